// The proxy facility's benchmark: in ONE run against the same shops, per shop session,
//   (a) conventional: the terminal does the full mutual-auth TLS 1.2 handshake itself with a
//       software key (tls::performDelegatedHandshake with a SoftwareSigner: the same library
//       code the home server uses, here on the terminal),
//   (b) delegated, first visit, over a control channel the terminal already holds (the seed's
//       "previously hold" the channel key): session.open (the home server does the TLS
//       handshake, the home card signs), the hand-out, the terminal resumes with the shop,
//   (c) second visit, channel held: session.open answered from the home server's cache, the
//       terminal resumes with the shop;
// and, as their own rows, what holding the channel costs: the channel set-up (full handshake,
// access card PREPARE SHARE / KEY AGREEMENT: once per unlock) and the channel resumption (the
// ticket on the access card: once per terminal process); and (b)/(c) the old way, each over a
// channel opened for it (set-up + (b), resumption + (c));
// against a session-ID shop (reference, -no_ticket) and a ticket shop. Figures: terminal
// instructions (run under callgrind by run_proxy_bench.sh, which passes them back in), bytes on
// all terminal links, terminal public-key operations, card APDUs, wall time, and stand-by time
// over a simulated 150 ms round trip. Then the home server under 100 concurrent terminals.
#include <valgrind/callgrind.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "host/terminal/home_channel.hpp"
#include "host/tls_proxy/delegated_handshake.hpp"
#include "host/tls_proxy/resumed_connection.hpp"
#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/session_handout.hpp"
#include "host/tls_proxy/software_signer.hpp"
#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/session_methods.hpp"
#include "tools/bench/bench_proxy_load.hpp"
#include "tools/bench/bench_proxy_world.hpp"
#include "tools/bench/delay_relay.hpp"

namespace hp::bench {
namespace {

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

// The set-up itself, and nothing else: callgrind collects only inside this function
// (--toggle-collect), and public-key operations are counted only while it runs.
__attribute__((noinline)) Result<void> terminalSetup(const std::function<Result<void>()>& work) {
  setPkCounting(true);
  auto result = work();
  setPkCounting(false);
  return result;
}

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
  std::unique_ptr<tls::SoftwareSigner> softwareKey_;
  std::unique_ptr<terminal::HomeChannel> held_;  // the terminal's open control channel
  bool reporting_ = false;                       // false during the warm-up
};

Result<void> Bench::setUp() {
  for (const auto& [name, tickets] : {std::pair{"session-id", false}, std::pair{"ticket", true}}) {
    ShopUnderTest entry;
    entry.name = name;
    auto shop = Shop::start(options_.pki, tickets);
    if (!shop) return shop.error();
    entry.shop = std::move(shop.value());
    auto relay = DelayRelay::start(entry.shop->port(), 0);
    if (!relay) return relay.error();
    entry.relay = std::move(relay.value());
    shops_.push_back(std::move(entry));
  }
  auto home = HomeSide::start(options_.pki);
  if (!home) return makeError("home side: " + home.error().message);
  home_ = std::move(home.value());
  auto relay = DelayRelay::start(home_->port(), 0);
  if (!relay) return relay.error();
  homeRelay_ = std::move(relay.value());
  const std::string terminalId = "bench-terminal";
  auto access = AccessSide::create(home_->serverPublicKey(), terminalId,
                                   "127.0.0.1:" + std::to_string(homeRelay_->port()));
  if (!access) return makeError("access card: " + access.error().message);
  access_ = std::move(access.value());
  auto terminalKey = access_->client->readPublicKey();
  if (!terminalKey) return adapters::toError(terminalKey.error());
  if (auto r = home_->directory->registerTerminal(terminalId, *terminalKey); !r) return r.error();
  auto key = tls::SoftwareSigner::fromPemFiles(options_.pki.userKey(), options_.pki.userCert());
  if (!key) return key.error();
  softwareKey_ = std::move(key.value());
  // The terminal's PIN2 authority (docs/control-channel.md, "Authority"), given once and outside
  // every measurement, as the user does with `terminal pin2` after unlocking.
  auto channel = connectChannel();
  if (!channel) return channel.error();
  using protocol::rpc::CardPin2;
  if (auto granted = protocol::rpc::call<CardPin2>(**channel, {HomeSide::kPin2}); !granted) {
    return makeError(std::string(CardPin2::kName) + ": " + granted.error().message);
  }
  return {};
}

void Bench::setDelay(uint32_t ms) {
  homeRelay_->setDelayMs(ms);
  for (auto& shop : shops_) shop.relay->setDelayMs(ms);
}

// (a): the whole mutual-auth handshake on the terminal, chain check and signature included.
Result<void> Bench::conventional(ShopUnderTest& shop) {
  tls::DelegatedHandshakeRequest request;
  request.host = "localhost";
  request.port = shop.relay->port();
  request.caFile = options_.pki.rootCert();
  request.connectAddress = "127.0.0.1";
  auto session = tls::performDelegatedHandshake(request, *softwareKey_);
  if (!session) return session.error();
  return {};
}

Result<std::unique_ptr<terminal::HomeChannel>> Bench::connectChannel() {
  auto channel = terminal::HomeChannel::connect(*access_->client, [](const std::string&) {});
  if (!channel) return makeError("channel: " + channel.error().message);
  return std::move(channel.value());
}

// One shop session over an open channel, as `terminal get` does before its HTTP request
// (host/terminal): session.open with its binary hand-out, resumption with the shop.
Result<void> Bench::shopSession(terminal::HomeChannel& channel, ShopUnderTest& shop) {
  Json::Value params;
  params["url"] = url(shop);
  auto opened = channel.callWithAttachment("session.open", params);
  if (!opened) return makeError("session.open: " + opened.error().message);
  // The shop is reached through the terminal's (slow) link: same host name, the relay's port.
  auto blob = tls::decodeSessionHandout(opened->attachment.view(), "localhost", shop.relay->port(),
                                        tls::systemUnixNow());
  if (!blob) return blob.error();
  tls::ResumeOptions resume;
  resume.connectAddress = "127.0.0.1";
  auto connection = tls::ResumedConnection::open(*blob, resume);
  if (!connection) return makeError("resume: " + connection.error().message);
  if (!(*connection)->evidence().resumed) return makeError("the shop did not resume");
  (void)(*connection)->close();
  return {};
}

// No session cached at home for the shop (through the held channel, or a passing one).
Result<void> Bench::dropSession(ShopUnderTest& shop) {
  std::unique_ptr<terminal::HomeChannel> passing;
  if (!held_) {
    auto channel = connectChannel();
    if (!channel) return channel.error();
    passing = std::move(channel.value());
  }
  using protocol::rpc::SessionDrop;
  auto dropped = protocol::rpc::call<SessionDrop>(
      held_ ? *held_ : *passing, {"localhost:" + std::to_string(shop.shop->port()), std::nullopt});
  if (!dropped) return makeError(std::string(SessionDrop::kName) + ": " + dropped.error().message);
  return {};
}

// Outside the measurement: the state each set-up starts from.
Result<void> Bench::prepare(ShopUnderTest& shop, char mode) {
  switch (mode) {
    case 'B':  // first visit, no channel: no session at home, no ticket on the card
    case 's':  // channel set-up: no ticket on the card (a fresh unlock)
      if (mode == 'B') {
        if (auto r = dropSession(shop); !r) return r;
      }
      held_.reset();
      // A fresh unlock: locking wipes the ticket the card keeps in its RAM.
      if (auto locked = access_->client->lock(); !locked) return adapters::toError(locked.error());
      if (auto pin = access_->client->verifyPin(AccessSide::kPin); !pin || !pin->verified()) {
        return makeError("access card: the bench PIN was refused");
      }
      return {};
    case 'C':  // second visit, a new terminal process: the ticket (from 'B') is on the card
    case 'r':  // channel resumption: the ticket (from 's') is on the card
      held_.reset();
      return {};
    case 'b':  // first visit over the held channel
      if (auto r = dropSession(shop); !r) return r;
      [[fallthrough]];
    case 'c':
      if (!held_) {
        auto channel = connectChannel();
        if (!channel) return channel.error();
        held_ = std::move(channel.value());
      }
      return {};
    default:
      return {};
  }
}

// The measured part of each set-up.
Result<void> Bench::work(ShopUnderTest& shop, char mode) {
  switch (mode) {
    case 'a':
      return conventional(shop);
    case 's':
    case 'r': {
      auto channel = connectChannel();
      if (!channel) return channel.error();
      held_ = std::move(channel.value());
      return {};
    }
    case 'b':
    case 'c':
      return shopSession(*held_, shop);
    default: {  // 'B', 'C': a channel for this one shop session, closed after it
      auto channel = connectChannel();
      if (!channel) return channel.error();
      return shopSession(**channel, shop);
    }
  }
}

Result<Sample> Bench::measure(ShopUnderTest& shop, char mode) {
  if (auto r = prepare(shop, mode); !r) return r.error();
  // Let the previous connections' last bytes pass the relays before zeroing.
  std::this_thread::sleep_for(std::chrono::milliseconds(20 + 2 * kSlowLinkOneWayMs));
  homeRelay_->resetCounters();
  shop.relay->resetCounters();
  resetPkOps();
  const uint64_t homeBefore = home_->cardApdus();
  const uint64_t accessBefore = access_->cardApdus();
  const auto start = std::chrono::steady_clock::now();
  CALLGRIND_ZERO_STATS;
  auto result = terminalSetup([&] { return work(shop, mode); });
  const std::string label = std::string(1, mode) + "-" + shop.name;
  if (options_.callgrind && reporting_) CALLGRIND_DUMP_STATS_AT(label.c_str());
  const auto end = std::chrono::steady_clock::now();
  if (!result) return makeError(label + ": " + result.error().message);
  Sample sample;
  sample.wallMs = std::chrono::duration<double, std::milli>(end - start).count();
  sample.pk = pkOps();
  sample.homeApdus = home_->cardApdus() - homeBefore;
  sample.accessApdus = access_->cardApdus() - accessBefore;
  std::this_thread::sleep_for(std::chrono::milliseconds(20 + 2 * kSlowLinkOneWayMs));
  sample.controlBytes = homeRelay_->bytesTotal();
  sample.bytes = sample.controlBytes + shop.relay->bytesTotal();
  return sample;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

std::map<std::string, uint64_t> readInstructions(const std::string& path) {
  std::map<std::string, uint64_t> counts;
  std::ifstream in(path);
  std::string label;
  uint64_t count = 0;
  while (in >> label >> count) counts[label] = count;
  return counts;
}

const char* verdict(bool pass) {
  return pass ? "PASS" : "FAIL";
}

int Bench::run() {
  if (auto r = setUp(); !r) {
    std::cerr << "bench_proxy: set-up failed: " << r.error().message << "\n";
    return 1;
  }
  // In this order: 'B' starts from nothing, 'C' uses B's ticket, 's' and 'r' leave the channel
  // held for 'b' and 'c'.
  const std::string modes = "aBCsrbc";
  // Warm-up (not reported): first use of every code path, caches of the library, the shops'.
  for (auto& shop : shops_) {
    for (char mode : modes) {
      if (auto s = measure(shop, mode); !s) {
        std::cerr << "bench_proxy: " << s.error().message << "\n";
        return 1;
      }
    }
  }
  reporting_ = true;
  const int rounds = options_.callgrind ? 1 : options_.rounds;
  std::map<std::string, std::vector<Sample>> fast, slow;
  for (int round = 0; round < rounds; ++round) {
    for (auto& shop : shops_) {
      for (char mode : modes) {
        auto s = measure(shop, mode);
        if (!s) {
          std::cerr << "bench_proxy: " << s.error().message << "\n";
          return 1;
        }
        fast[std::string(1, mode) + "-" + shop.name].push_back(*s);
      }
    }
  }
  if (options_.callgrind) {
    std::cout << "bench_proxy: callgrind pass done (instruction dumps per label)\n";
    return 0;
  }
  setDelay(kSlowLinkOneWayMs);
  for (int round = 0; round < options_.slowRounds; ++round) {
    for (auto& shop : shops_) {
      for (char mode : modes) {
        auto s = measure(shop, mode);
        if (!s) {
          std::cerr << "bench_proxy: slow link: " << s.error().message << "\n";
          return 1;
        }
        slow[std::string(1, mode) + "-" + shop.name].push_back(*s);
      }
    }
  }
  setDelay(0);

  const auto instructions = readInstructions(options_.instructionsFile);
  const std::map<char, std::string> modeNames{{'a', "(a) conventional"},
                                              {'s', "channel set-up (per unlock)"},
                                              {'r', "channel resume (per process)"},
                                              {'b', "(b) 1st visit, channel held"},
                                              {'c', "(c) 2nd visit, channel held"},
                                              {'B', "(b) incl. channel set-up"},
                                              {'C', "(c) incl. channel resume"}};
  const std::string printOrder = "asrbcBC";
  std::ofstream data;
  if (!options_.dataFile.empty()) data.open(options_.dataFile);
  if (data) data << "# shop mode instructions bytes standby_ms wall_ms\n";
  const auto pkText = [](const Sample& s) {
    char pk[32];
    std::snprintf(pk, sizeof pk, "%llu (%llu/%llu)", (unsigned long long)s.pk.total(),
                  (unsigned long long)s.pk.ecMultiplications,
                  (unsigned long long)s.pk.rsaOperations);
    return std::string(pk);
  };
  bool allPass = true;
  for (auto& shop : shops_) {
    std::printf("\nShop: openssl s_server, leaf + RSA-2048 intermediate, %s resumption\n",
                shop.name == "ticket" ? "ticket (RFC 5077)" : "session-ID (-no_ticket)");
    std::printf("%-30s %14s %9s %9s %9s %6s %6s %9s %11s\n", "set-up", "terminal instr", "bytes",
                "of which", "pk ops", "home", "access", "wall ms", "stand-by ms");
    std::printf("%-30s %14s %9s %9s %9s %6s %6s %9s %11s\n", "", "(callgrind)", "all links",
                "channel", "(EC/RSA)", "APDUs", "APDUs", "loopback", "150ms RTT");
    std::map<char, Sample> typical;
    std::map<char, uint64_t> instr;
    for (char mode : printOrder) {
      const std::string label = std::string(1, mode) + "-" + shop.name;
      std::vector<double> wall, standby;
      for (const auto& s : fast[label]) wall.push_back(s.wallMs);
      for (const auto& s : slow[label]) standby.push_back(s.wallMs);
      const Sample& s = fast[label].back();  // counts are the same every round
      typical[mode] = s;
      instr[mode] = instructions.count(label) ? instructions.at(label) : 0;
      std::printf("%-30s %14llu %9llu %9llu %9s %6llu %6llu %9.1f %11.1f\n",
                  modeNames.at(mode).c_str(), (unsigned long long)instr[mode],
                  (unsigned long long)s.bytes, (unsigned long long)s.controlBytes,
                  pkText(s).c_str(), (unsigned long long)s.homeApdus,
                  (unsigned long long)s.accessApdus, median(wall), median(standby));
      if (data) {
        data << shop.name << " " << mode << " " << instr[mode] << " " << s.bytes << " "
             << median(standby) << " " << median(wall) << "\n";
      }
    }
    {
      // Seeding random generators inside the set-ups (hp::card::make*Rng): the terminal's
      // process generator is seeded once (process_rng.hpp), before any of them.
      const auto rng = [&](char mode) {
        const std::string key = "rng-" + std::string(1, mode) + "-" + shop.name;
        return instructions.count(key) ? instructions.at(key) : 0;
      };
      std::printf("  of which seeding RNGs: (a) %llu, (b) %llu, (c) %llu, incl. set-up %llu\n",
                  (unsigned long long)rng('a'), (unsigned long long)rng('b'),
                  (unsigned long long)rng('c'), (unsigned long long)rng('B'));
    }
    const auto ratio = [](uint64_t a, uint64_t b) { return b == 0 ? 0.0 : double(a) / double(b); };
    const bool haveInstr = instr['a'] > 0 && instr['b'] > 0 && instr['c'] > 0;
    const double instrFirst = ratio(instr['a'], instr['b']);
    const double instrSecond = ratio(instr['a'], instr['c']);
    const double bytesFirst = ratio(typical['a'].bytes, typical['b'].bytes);
    const double bytesSecond = ratio(typical['a'].bytes, typical['c'].bytes);
    const bool checks[] = {
        haveInstr && instrFirst >= 50,
        haveInstr && instrSecond >= 50,
        bytesFirst >= 5,
        bytesSecond >= 5,
        // The first visit counts the channel set-up too: with the channel held, (b) itself has
        // no handshake with a signature to check.
        typical['b'].pk.total() == 0 && typical['s'].pk.total() == 0 &&
            typical['B'].pk.total() == 0,
        typical['c'].pk.total() == 0 && typical['r'].pk.total() == 0,
        typical['c'].homeApdus == 0 && typical['c'].accessApdus == 0,
        typical['c'].homeApdus == 0,
    };
    // For reference, not targets: the same shop sessions each paying for its own channel.
    std::printf(
        "  (reference) with the channel set up / resumed for the one session: instructions %.1fx"
        " / %.1fx, bytes %.1fx / %.1fx, pk ops %llu / %llu, APDUs home+access %llu+%llu /"
        " %llu+%llu\n",
        ratio(instr['a'], instr['B']), ratio(instr['a'], instr['C']),
        ratio(typical['a'].bytes, typical['B'].bytes),
        ratio(typical['a'].bytes, typical['C'].bytes), (unsigned long long)typical['B'].pk.total(),
        (unsigned long long)typical['C'].pk.total(), (unsigned long long)typical['B'].homeApdus,
        (unsigned long long)typical['B'].accessApdus, (unsigned long long)typical['C'].homeApdus,
        (unsigned long long)typical['C'].accessApdus);
    std::printf(
        "  target >= 50x fewer terminal instructions than (a): 1st visit %.1fx %s, "
        "2nd visit %.1fx %s%s\n",
        instrFirst, verdict(checks[0]), instrSecond, verdict(checks[1]),
        haveInstr ? "" : " (no callgrind figures)");
    std::printf(
        "  target >= 5x fewer terminal bytes than (a), the session's channel traffic included:"
        " 1st visit %.1fx %s,"
        " 2nd visit %.1fx %s\n",
        bytesFirst, verdict(checks[2]), bytesSecond, verdict(checks[3]));
    std::printf(
        "  target 0 terminal public-key operations: 1st visit %llu (channel set-up %llu) %s,"
        " 2nd visit %llu (channel resume %llu) %s\n",
        (unsigned long long)typical['b'].pk.total(), (unsigned long long)typical['s'].pk.total(),
        verdict(checks[4]), (unsigned long long)typical['c'].pk.total(),
        (unsigned long long)typical['r'].pk.total(), verdict(checks[5]));
    std::printf(
        "  target 0 card APDUs for (c), channel held: home %llu + access %llu %s (home card alone:"
        " %s; channel resume: home %llu + access %llu)\n",
        (unsigned long long)typical['c'].homeApdus, (unsigned long long)typical['c'].accessApdus,
        verdict(checks[6]), verdict(checks[7]), (unsigned long long)typical['r'].homeApdus,
        (unsigned long long)typical['r'].accessApdus);
    for (bool pass : checks) allPass = allPass && pass;
  }

  std::printf("\nHome server load: %d concurrent terminals, %.1f s\n", options_.loadTerminals,
              options_.loadSeconds);
  auto load = runLoad(options_.pki, url(shops_[0]), options_.loadTerminals, options_.loadSeconds);
  if (!load) {
    std::printf("  load test failed: %s\n  target FAIL\n", load.error().message.c_str());
    return 1;
  }
  const double rate = double(load->handouts) / load->seconds;
  std::printf(
      "  cached-session hand-outs: %llu in %.2f s = %.0f /s, errors %llu, "
      "latency median %.2f ms p99 %.2f ms\n",
      (unsigned long long)load->handouts, load->seconds, rate, (unsigned long long)load->errors,
      load->medianMs, load->p99Ms);
  if (!load->firstError.empty()) std::printf("  first error: %s\n", load->firstError.c_str());
  std::printf("  peak RSS of the process: %ld kB before the load, %ld kB after; RSS now %ld kB\n",
              load->peakRssBeforeKb, load->peakRssAfterKb, load->rssNowKb);
  const bool loadPass =
      rate >= 1000 && load->errors == 0 && load->connected == options_.loadTerminals;
  std::printf("  target >= 1000 hand-outs/s, 0 errors, all %d connected (%d): %s\n",
              options_.loadTerminals, load->connected, verdict(loadPass));
  allPass = allPass && loadPass;
  std::printf("\nbench_proxy: %s\n",
              allPass ? "all targets PASS" : "some targets FAIL (see above)");
  return 0;
}

}  // namespace
}  // namespace hp::bench

int main(int argc, char** argv) {
  // std::stoi/stod throw on a malformed number: a usage error, not a crash.
  try {
    hp::bench::Options options;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      const auto value = [&]() -> std::string {
        if (i + 1 >= argc) {
          std::cerr << "bench_proxy: " << arg << " needs a value\n";
          std::exit(2);
        }
        return argv[++i];
      };
      if (arg == "--pki") {
        options.pki.dir = value();
      } else if (arg == "--callgrind") {
        options.callgrind = true;
      } else if (arg == "--rounds") {
        options.rounds = std::stoi(value());
      } else if (arg == "--slow-rounds") {
        options.slowRounds = std::stoi(value());
      } else if (arg == "--load-terminals") {
        options.loadTerminals = std::stoi(value());
      } else if (arg == "--load-seconds") {
        options.loadSeconds = std::stod(value());
      } else if (arg == "--instructions") {
        options.instructionsFile = value();
      } else if (arg == "--data") {
        options.dataFile = value();
      } else {
        std::cerr << "usage: bench_proxy --pki DIR [--callgrind] [--rounds N] [--slow-rounds N]\n"
                     "       [--load-terminals N] [--load-seconds S] [--instructions FILE]"
                     " [--data FILE]\n"
                     "(run by tools/bench/run_proxy_bench.sh, which makes the PKI)\n";
        return 2;
      }
    }
    if (options.pki.dir.empty()) {
      std::cerr << "bench_proxy: --pki DIR is required\n";
      return 2;
    }
    return hp::bench::Bench(options).run();
  } catch (const std::exception& e) {
    std::cerr << "bench_proxy: " << e.what() << "\n";
    return 2;
  }
}
