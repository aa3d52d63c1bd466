// bench_apdu_rate: how many APDUs per second a card answers through pcscd, measured from C++
// (no Python in the loop). Sends one command APDU in a loop for a given time over one PC/SC
// connection and prints count, seconds, APDU/s and latency percentiles.
//
//   bench_apdu_rate --reader "Virtual PCD 00 00" --apdu "00 CA DF 01 00" --seconds 5
//                   [--select F0484F4D454341524401] [--expect-sw 9000]
//
// The last line is machine-readable for tools/bench/run_apdu_bench.sh:
//   RESULT count=N seconds=S rate=R p50_us=.. p90_us=.. p99_us=.. max_us=.. unexpected_sw=..
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "host/pcsc_bridge/apdu_client.hpp"
#include "host/pcsc_bridge/pcsc_context.hpp"

namespace {

struct Options {
  std::string reader;
  hp::base::Bytes apdu;
  hp::base::Bytes selectAid;  // empty: no SELECT first
  double seconds = 5.0;
  int expectedSw = 0x9000;  // -1: any
};

void usage() {
  std::fprintf(stderr,
               "usage: bench_apdu_rate --reader NAME --apdu HEX [--seconds S] [--select AID]\n"
               "                       [--expect-sw HEX|any]\n"
               "  Sends APDU through PC/SC in a loop for S seconds (default 5) and prints the\n"
               "  rate and latency percentiles. --select sends SELECT AID once first.\n");
}

bool parseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (arg == "--reader") {
      options.reader = value;
    } else if (arg == "--apdu" || arg == "--select") {
      auto bytes = hp::pcsc_bridge::parseHex(value, arg);
      if (!bytes) {
        std::fprintf(stderr, "bench_apdu_rate: %s\n", bytes.error().message.c_str());
        return false;
      }
      (arg == "--apdu" ? options.apdu : options.selectAid) = *bytes;
    } else if (arg == "--seconds") {
      options.seconds = std::atof(value.c_str());
      if (options.seconds <= 0) return false;
    } else if (arg == "--expect-sw") {
      options.expectedSw =
          value == "any" ? -1 : static_cast<int>(std::strtol(value.c_str(), nullptr, 16));
    } else {
      return false;
    }
  }
  return !options.reader.empty() && options.apdu.size() >= 4;
}

// Latency at quantile q of sorted samples (nearest rank).
uint32_t percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::lround(q * static_cast<double>(sorted.size() - 1)));
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parseOptions(argc, argv, options)) {
    usage();
    return 2;
  }
  auto context = hp::pcsc_bridge::PcscContext::establish();
  if (!context) {
    std::fprintf(stderr, "bench_apdu_rate: %s\n", context.error().message.c_str());
    return 1;
  }
  auto transport = context->connect(options.reader);
  if (!transport) {
    std::fprintf(stderr, "bench_apdu_rate: %s\n", transport.error().message.c_str());
    return 1;
  }
  hp::pcsc_bridge::Transport& card = **transport;
  if (!options.selectAid.empty()) {
    hp::pcsc_bridge::ApduClient client(card);
    auto selected = client.select(options.selectAid);
    if (!selected || !selected->ok()) {
      std::fprintf(stderr, "bench_apdu_rate: SELECT %s failed: %s\n",
                   hp::base::toHex(options.selectAid).c_str(),
                   selected ? hp::pcsc_bridge::formatSw(selected->sw).c_str()
                            : selected.error().message.c_str());
      return 1;
    }
  }

  using Clock = std::chrono::steady_clock;
  std::vector<uint32_t> latenciesUs;
  latenciesUs.reserve(1 << 20);
  uint64_t unexpectedSw = 0;
  uint16_t lastSw = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(options.seconds);
  auto now = start;
  // Raw transmits: the rate of the reader and card, without ApduClient's (tiny) work on top.
  while (now < deadline) {
    const auto before = now;
    auto response = card.transmitRaw(options.apdu);
    now = Clock::now();
    if (!response) {
      std::fprintf(stderr, "bench_apdu_rate: after %zu APDUs: %s\n", latenciesUs.size(),
                   response.error().message.c_str());
      return 1;
    }
    latenciesUs.push_back(static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - before).count()));
    if (response->size() >= 2) {
      lastSw = static_cast<uint16_t>((response->at(response->size() - 2) << 8) | response->back());
    }
    if (response->size() < 2 || (options.expectedSw >= 0 && lastSw != options.expectedSw)) {
      ++unexpectedSw;
    }
  }
  const double seconds = std::chrono::duration<double>(now - start).count();
  std::sort(latenciesUs.begin(), latenciesUs.end());
  const double rate = static_cast<double>(latenciesUs.size()) / seconds;
  const uint32_t p50 = percentile(latenciesUs, 0.50);
  const uint32_t p90 = percentile(latenciesUs, 0.90);
  const uint32_t p99 = percentile(latenciesUs, 0.99);
  const uint32_t max = latenciesUs.empty() ? 0 : latenciesUs.back();
  std::printf("reader '%s', APDU %s (last SW %04X)\n", options.reader.c_str(),
              hp::base::toSpacedHex(options.apdu).c_str(), lastSw);
  std::printf(
      "%zu APDUs in %.3f s = %.1f APDU/s; latency p50 %u us, p90 %u us, p99 %u us, "
      "max %u us; unexpected SW %llu\n",
      latenciesUs.size(), seconds, rate, p50, p90, p99, max,
      static_cast<unsigned long long>(unexpectedSw));
  std::printf(
      "RESULT count=%zu seconds=%.3f rate=%.1f p50_us=%u p90_us=%u p99_us=%u max_us=%u "
      "unexpected_sw=%llu\n",
      latenciesUs.size(), seconds, rate, p50, p90, p99, max,
      static_cast<unsigned long long>(unexpectedSw));
  return unexpectedSw == 0 ? 0 : 3;
}
