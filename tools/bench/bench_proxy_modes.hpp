// The proxy facility's benchmark (bench_proxy.cpp says what it measures): its options, one
// measured sample, and the bench itself with its set-up modes (bench_proxy_modes.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "host/terminal/home_channel.hpp"
#include "host/tls_proxy/software_signer.hpp"
#include "tools/bench/bench_proxy_counters.hpp"
#include "tools/bench/bench_proxy_world.hpp"
#include "tools/bench/delay_relay.hpp"

namespace hp::bench {

constexpr uint32_t kSlowLinkOneWayMs = 75;  // 150 ms round trip

struct Options {
  PkiFiles pki;
  bool callgrind = false;  // one measured round, instruction dumps per label
  int rounds = 5;
  int slowRounds = 3;
  int loadTerminals = 100;
  double loadSeconds = 3.0;
  std::string instructionsFile;  // "label count" lines from the callgrind run
  std::string dataFile;          // for gnuplot
};

struct Sample {
  uint64_t bytes = 0;
  uint64_t controlBytes = 0;
  PkOpCount pk;
  uint64_t homeApdus = 0;
  uint64_t accessApdus = 0;
  double wallMs = 0;
};

struct ShopUnderTest {
  std::string name;  // "session-id" or "ticket"
  std::unique_ptr<Shop> shop;
  std::unique_ptr<DelayRelay> relay;  // the terminal's link to the shop
};

class Bench {
 public:
  explicit Bench(Options options) : options_(std::move(options)) {}
  int run();

 private:
  Result<void> setUp();
  Result<Sample> measure(ShopUnderTest& shop, char mode);
  Result<void> prepare(ShopUnderTest& shop, char mode);
  Result<void> work(ShopUnderTest& shop, char mode);
  Result<void> conventional(ShopUnderTest& shop);
  Result<void> shopSession(terminal::HomeChannel& channel, ShopUnderTest& shop);
  Result<std::unique_ptr<terminal::HomeChannel>> connectChannel();
  Result<void> dropSession(ShopUnderTest& shop);
  void setDelay(uint32_t ms);
  std::string url(const ShopUnderTest& shop) const {
    return "https://localhost:" + std::to_string(shop.shop->port()) + "/";
  }

  Options options_;
  std::vector<ShopUnderTest> shops_;
  std::unique_ptr<HomeSide> home_;
  std::unique_ptr<DelayRelay> homeRelay_;  // the terminal's link to the home server
  std::unique_ptr<AccessSide> access_;
  std::unique_ptr<tls_proxy::SoftwareSigner> softwareKey_;
  std::unique_ptr<terminal::HomeChannel> held_;  // the terminal's open control channel
  bool reporting_ = false;                       // false during the warm-up
};

}  // namespace hp::bench
