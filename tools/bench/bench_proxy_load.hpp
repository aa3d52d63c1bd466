// Home server under load: N concurrent terminals, each a thread with a software access-card
// agent (channel::SoftwareTerminalKeyAgent) and its own control channel, asking session.open for
// the same shop as fast as they can; every answer after the first comes from the session cache.
// The home server here is a second instance with its own home card (the real applet in process,
// tests/support/in_process_home_card.hpp) and an in-memory terminal directory (100 terminals do
// not fit the card's registry; cached hand-outs never reach the card).
#pragma once

#include <cstdint>
#include <string>

#include "tools/bench/bench_proxy_world.hpp"

namespace hp::bench {

struct LoadFigures {
  int connected = 0;
  uint64_t handouts = 0;   // session.open answered with "cached": true
  uint64_t errors = 0;     // failed calls, or answers that were not cached
  std::string firstError;  // what the first of them said (empty when none failed)
  double seconds = 0;
  double medianMs = 0;
  double p99Ms = 0;
  long peakRssBeforeKb = 0;
  long peakRssAfterKb = 0;
  long rssNowKb = 0;
};

Result<LoadFigures> runLoad(const PkiFiles& pki, const std::string& shopUrl, int terminals,
                            double seconds);

}  // namespace hp::bench
