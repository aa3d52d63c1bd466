// The proxy benchmark's report (bench_proxy_report.hpp).
#include "tools/bench/bench_proxy_report.hpp"

#include <algorithm>
#include <cstdio>

namespace hp::bench {
namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

const char* verdict(bool pass) {
  return pass ? "PASS" : "FAIL";
}

std::string pkText(const Sample& s) {
  char pk[32];
  std::snprintf(pk, sizeof pk, "%llu (%llu/%llu)", (unsigned long long)s.pk.total(),
                (unsigned long long)s.pk.ecMultiplications, (unsigned long long)s.pk.rsaOperations);
  return std::string(pk);
}

double ratio(uint64_t a, uint64_t b) {
  return b == 0 ? 0.0 : double(a) / double(b);
}

// The table: one row per mode; fills in each mode's typical sample and instruction count.
void printShopTable(const ShopUnderTest& shop, SamplesByLabel& fast, SamplesByLabel& slow,
                    const InstructionCounts& instructions, std::ofstream& data,
                    std::map<char, Sample>& typical, std::map<char, uint64_t>& instr) {
  const std::map<char, std::string> modeNames{{'a', "(a) conventional"},
                                              {'s', "channel set-up (per unlock)"},
                                              {'r', "channel resume (per process)"},
                                              {'b', "(b) 1st visit, channel held"},
                                              {'c', "(c) 2nd visit, channel held"},
                                              {'B', "(b) incl. channel set-up"},
                                              {'C', "(c) incl. channel resume"}};
  const std::string printOrder = "asrbcBC";
  std::printf("\nShop: openssl s_server, leaf + RSA-2048 intermediate, %s resumption\n",
              shop.name == "ticket" ? "ticket (RFC 5077)" : "session-ID (-no_ticket)");
  std::printf("%-30s %14s %9s %9s %9s %6s %6s %9s %11s\n", "set-up", "terminal instr", "bytes",
              "of which", "pk ops", "home", "access", "wall ms", "stand-by ms");
  std::printf("%-30s %14s %9s %9s %9s %6s %6s %9s %11s\n", "", "(callgrind)", "all links",
              "channel", "(EC/RSA)", "APDUs", "APDUs", "loopback", "150ms RTT");
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
                (unsigned long long)s.bytes, (unsigned long long)s.controlBytes, pkText(s).c_str(),
                (unsigned long long)s.homeApdus, (unsigned long long)s.accessApdus, median(wall),
                median(standby));
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
}

// The targets against (a), from the typical samples; true when all pass.
bool printShopTargets(std::map<char, Sample>& typical, std::map<char, uint64_t>& instr) {
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
      typical['b'].pk.total() == 0 && typical['s'].pk.total() == 0 && typical['B'].pk.total() == 0,
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
      ratio(typical['a'].bytes, typical['B'].bytes), ratio(typical['a'].bytes, typical['C'].bytes),
      (unsigned long long)typical['B'].pk.total(), (unsigned long long)typical['C'].pk.total(),
      (unsigned long long)typical['B'].homeApdus, (unsigned long long)typical['B'].accessApdus,
      (unsigned long long)typical['C'].homeApdus, (unsigned long long)typical['C'].accessApdus);
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
  bool allPass = true;
  for (bool pass : checks) allPass = allPass && pass;
  return allPass;
}

}  // namespace

InstructionCounts readInstructions(const std::string& path) {
  InstructionCounts counts;
  std::ifstream in(path);
  std::string label;
  uint64_t count = 0;
  while (in >> label >> count) counts[label] = count;
  return counts;
}

bool reportShop(const ShopUnderTest& shop, SamplesByLabel& fast, SamplesByLabel& slow,
                const InstructionCounts& instructions, std::ofstream& data) {
  std::map<char, Sample> typical;
  std::map<char, uint64_t> instr;
  printShopTable(shop, fast, slow, instructions, data, typical, instr);
  return printShopTargets(typical, instr);
}

bool reportLoad(const LoadFigures& load, int terminals) {
  const double rate = double(load.handouts) / load.seconds;
  std::printf(
      "  cached-session hand-outs: %llu in %.2f s = %.0f /s, errors %llu, "
      "latency median %.2f ms p99 %.2f ms\n",
      (unsigned long long)load.handouts, load.seconds, rate, (unsigned long long)load.errors,
      load.medianMs, load.p99Ms);
  if (!load.firstError.empty()) std::printf("  first error: %s\n", load.firstError.c_str());
  std::printf("  peak RSS of the process: %ld kB before the load, %ld kB after; RSS now %ld kB\n",
              load.peakRssBeforeKb, load.peakRssAfterKb, load.rssNowKb);
  const bool loadPass = rate >= 1000 && load.errors == 0 && load.connected == terminals;
  std::printf("  target >= 1000 hand-outs/s, 0 errors, all %d connected (%d): %s\n", terminals,
              load.connected, verdict(loadPass));
  return loadPass;
}

}  // namespace hp::bench
