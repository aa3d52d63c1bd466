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
// This file: the measured rounds and main; the modes are in bench_proxy_modes.cpp, the report
// in bench_proxy_report.cpp.
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "tools/bench/bench_proxy_load.hpp"
#include "tools/bench/bench_proxy_modes.hpp"
#include "tools/bench/bench_proxy_report.hpp"

namespace hp::bench {

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
  std::ofstream data;
  if (!options_.dataFile.empty()) data.open(options_.dataFile);
  if (data) data << "# shop mode instructions bytes standby_ms wall_ms\n";
  bool allPass = true;
  for (auto& shop : shops_) {
    const bool shopPass = reportShop(shop, fast, slow, instructions, data);
    allPass = allPass && shopPass;
  }

  std::printf("\nHome server load: %d concurrent terminals, %.1f s\n", options_.loadTerminals,
              options_.loadSeconds);
  auto load = runLoad(options_.pki, url(shops_[0]), options_.loadTerminals, options_.loadSeconds);
  if (!load) {
    std::printf("  load test failed: %s\n  target FAIL\n", load.error().message.c_str());
    return 1;
  }
  allPass = reportLoad(*load, options_.loadTerminals) && allPass;
  std::printf("\nbench_proxy: %s\n",
              allPass ? "all targets PASS" : "some targets FAIL (see above)");
  return 0;
}

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
