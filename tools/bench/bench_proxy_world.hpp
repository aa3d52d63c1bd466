// The world of the proxy benchmark, all on 127.0.0.1: `openssl s_server` shops (a leaf plus an
// RSA-2048 intermediate, client certificates required), the home card and the access card as
// in-process applets (CardRuntime over InProcessTransport, APDUs counted), and the home server
// library object on the card. The PKI files come from run_proxy_bench.sh (openssl CLI).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>

#include "base/clock.hpp"
#include "card/accesscard/access_card_applet.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/storage.hpp"
#include "host/card_adapters/access_card_client.hpp"
#include "host/card_adapters/home_card_client.hpp"
#include "host/channel/software_identity.hpp"
#include "host/home_server/card/card_home_card.hpp"
#include "host/home_server/daemon/home_server.hpp"
#include "host/pcsc_bridge/in_process_transport.hpp"
#include "tools/bench/bench_proxy_counters.hpp"

namespace hp::bench {

struct PkiFiles {
  std::string dir;
  std::string rootCert() const { return dir + "/root.crt"; }
  std::string rootKey() const { return dir + "/root.key"; }
  std::string intermediateCert() const { return dir + "/intermediate.crt"; }
  std::string shopCert() const { return dir + "/shop.crt"; }
  std::string shopKey() const { return dir + "/shop.key"; }
  // The conventional terminal's own software key and certificate (baseline (a)).
  std::string userCert() const { return dir + "/user.crt"; }
  std::string userKey() const { return dir + "/user.key"; }
};

// `openssl s_server -www`, TLS 1.2, on a kernel-chosen port; killed on destruction.
class Shop {
 public:
  static Result<std::unique_ptr<Shop>> start(const PkiFiles& pki, bool tickets);
  ~Shop();
  Shop(const Shop&) = delete;
  Shop& operator=(const Shop&) = delete;
  uint16_t port() const { return port_; }

 private:
  Shop() = default;
  pid_t pid_ = -1;
  int outputFd_ = -1;
  uint16_t port_ = 0;
  std::thread drainer_;  // keeps s_server from blocking on a full pipe
};

// One in-process card: applet, runtime, transport, and the counting decorator hosts talk to.
template <typename Applet>
struct InProcessCard {
  card::runtime::MemoryStorage storage;
  base::ManualClock clock;
  std::unique_ptr<base::Rng> rng;
  std::unique_ptr<Applet> applet;
  std::unique_ptr<card::runtime::CardRuntime> runtime;
  std::unique_ptr<pcsc_bridge::InProcessTransport> transport;
  std::unique_ptr<CountingTransport> counted;
};

// Personalized home card (PINs, EC key with a certificate from the root CA) and the home server
// on it (card-backed terminal directory, PIN1 given), listening on a kernel-chosen port.
class HomeSide {
 public:
  static constexpr const char* kPin1 = "123456";
  static constexpr const char* kPin2 = "654321";
  static Result<std::unique_ptr<HomeSide>> start(const PkiFiles& pki);
  ~HomeSide();

  uint16_t port() const { return server->port(); }
  Bytes serverPublicKey() const { return serverSigner->publicKey(); }
  uint64_t cardApdus() const { return card.counted->apdus(); }

  InProcessCard<card::homecard::HomeCardApplet> card;
  std::unique_ptr<card_adapters::HomeCardClient> client;
  std::unique_ptr<home_server::CardHomeCard> homeCard;
  std::unique_ptr<home_server::CardTerminalDirectory> directory;
  std::unique_ptr<base::Rng> serverRng;
  std::unique_ptr<channel::SoftwareServerSigner> serverSigner;
  channel::SystemWallClock wallClock;
  std::unique_ptr<home_server::HomeServer> server;
};

// Personalized, unlocked access card whose DF 32 names `homeAddress` ("127.0.0.1:port").
class AccessSide {
 public:
  static constexpr const char* kPin = "2468";
  static Result<std::unique_ptr<AccessSide>> create(const Bytes& homeServerKey,
                                                    const std::string& terminalId,
                                                    const std::string& homeAddress);
  uint64_t cardApdus() const { return card.counted->apdus(); }

  InProcessCard<card::accesscard::AccessCardApplet> card;
  std::unique_ptr<card_adapters::AccessCardClient> client;
};

// Peak resident set of this process (getrusage), in kB.
long peakRssKb();

}  // namespace hp::bench
