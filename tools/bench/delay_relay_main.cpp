// delay_relay [--listen PORT] [--kbit-up N] [--kbit-down N] [--syn-rtt] [--trace] TARGET_PORT
// ONE_WAY_DELAY_MS: the
// benchmarks' slow-link relay by hand, e.g. in front of a shop or a home server on this machine
// (run_standby_bench.sh). "Up" is client -> target. --syn-rtt: each connection's client pays
// the round trip of a TCP handshake before its first bytes leave (DelayRelay::setConnectRoundTrip).
// --trace: every chunk as a line on stderr (DelayRelay::setTrace). Prints the port it listens on
// (127.0.0.1), then relays until stdin closes, and prints the bytes it carried. A line "bytes" on
// stdin prints the bytes since the last such line (or the start) and starts counting again, so a
// script can read the traffic of each run.
#include <iostream>
#include <string>
#include <vector>

#include "tools/bench/delay_relay.hpp"

namespace {

constexpr const char* kUsage =
    "usage: delay_relay [--listen PORT] [--kbit-up N] [--kbit-down N] [--syn-rtt] "
    "[--trace] TARGET_PORT ONE_WAY_DELAY_MS\n  (relays until stdin closes; a line \"bytes\" prints "
    "the bytes since the "
    "last one)\n";

struct Options {
  int targetPort = 0;
  int delayMs = -1;
  int listenPort = 0;
  long long kbitUp = 0;  // 0 = unlimited
  long long kbitDown = 0;
  bool synRoundTrip = false;
  bool trace = false;
};

bool parse(int argc, char** argv, Options& options) {
  std::vector<std::string> positional;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      const bool hasValue = i + 1 < argc;
      if (arg == "--listen" && hasValue) {
        options.listenPort = std::stoi(argv[++i]);
      } else if (arg == "--kbit-up" && hasValue) {
        options.kbitUp = std::stoll(argv[++i]);
      } else if (arg == "--trace") {
        options.trace = true;
      } else if (arg == "--syn-rtt") {
        options.synRoundTrip = true;
      } else if (arg == "--kbit-down" && hasValue) {
        options.kbitDown = std::stoll(argv[++i]);
      } else {
        positional.push_back(arg);
      }
    }
    if (positional.size() != 2) return false;
    options.targetPort = std::stoi(positional[0]);
    options.delayMs = std::stoi(positional[1]);
  } catch (const std::exception&) {
    return false;
  }
  return options.targetPort > 0 && options.targetPort <= 65535 && options.delayMs >= 0 &&
         options.listenPort >= 0 && options.listenPort <= 65535 && options.kbitUp >= 0 &&
         options.kbitDown >= 0;
}

void printBytes(hp::bench::DelayRelay& relay) {
  std::cout << "bytes: " << relay.bytesUpstream() << " up, " << relay.bytesDownstream() << " down"
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::cerr << kUsage;
    return 2;
  }
  auto relay = hp::bench::DelayRelay::start(static_cast<uint16_t>(options.targetPort),
                                            static_cast<uint32_t>(options.delayMs),
                                            static_cast<uint16_t>(options.listenPort));
  if (!relay) {
    std::cerr << "delay_relay: " << relay.error().message << "\n";
    return 1;
  }
  (*relay)->setRateBitsPerSecond(static_cast<uint64_t>(options.kbitUp) * 1000,
                                 static_cast<uint64_t>(options.kbitDown) * 1000);
  (*relay)->setConnectRoundTrip(options.synRoundTrip);
  if (options.trace) {
    (*relay)->setTrace(stderr);
    std::cerr << "start" << std::endl;  // connection numbers begin again (standby_trace.py)
  }
  std::cout << "listening on 127.0.0.1:" << (*relay)->port() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "bytes") {
      (*relay)->traceMark();
      printBytes(**relay);
      (*relay)->resetCounters();
    }
  }
  (*relay)->stop();
  printBytes(**relay);
  return 0;
}
