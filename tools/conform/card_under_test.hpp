// Choosing the card the scenarios run against: a fresh card in this process, or a reader.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "host/pcsc_bridge/transport.hpp"

namespace hp::conform {

struct CardUnderTest {
  virtual ~CardUnderTest() = default;
  virtual pcsc_bridge::Transport& transport() = 0;
  // A scenario's sleep_ms: the in-process card advances its ManualClock (so a 10-minute idle
  // time-out costs nothing); a real reader really waits.
  virtual void sleepMs(uint64_t ms) = 0;
};

// The cards this build can create in-process ("testcard" always; "homecard" and "accesscard"
// when their applets are part of the build).
std::vector<std::string> inProcessCardNames();

// A fresh card: CardRuntime and the applet over MemoryStorage, a ManualClock and an Rng seeded
// with `seed`, so that the same seed replays the same card.
Result<std::unique_ptr<CardUnderTest>> openInProcessCard(const std::string& card, uint64_t seed);

// The card in a PC/SC reader (through pcscd); error when this build has no PC/SC transport.
Result<std::unique_ptr<CardUnderTest>> openReaderCard(const std::string& reader);

}  // namespace hp::conform
