// Keeps the access card powered between terminal commands.
//
// The unlock lives in the card's RAM and each terminal command is its own process. When the
// last PC/SC client disconnects, pcscd powers an idle card off after a grace period (measured:
// an unlocked access card was locked again 15 s after `terminal unlock`), and a power-off
// locks the card. So after a successful unlock the terminal leaves a small keeper process that
// only holds a shared connection to the reader: it sends no APDU (which would restart the
// card's own 10-minute idle lock) and holds no secret. It ends after kHoldSeconds, when the card
// leaves the reader, or when pcscd goes away; `terminal lock` locks the card whatever it does.
#pragma once

#include <string>

#include "result.hpp"

namespace hp::terminal {

// The card's own idle time-out (apdu_specs/accesscard.json): an unlock never outlives it by
// much, as the card locks itself after 10 minutes without commands anyway.
inline constexpr unsigned kHoldSeconds = 600;
// argv[1] of the keeper process (the terminal executable itself, re-executed).
inline constexpr const char* kKeeperArgument = "--internal-keep-card-powered";

// Starts the keeper for `readerName` and returns once it holds the reader.
Result<void> startCardKeeper(const std::string& readerName);
// The keeper's main: connect, tell the parent through readyFd, wait, exit.
int runCardKeeper(const std::string& readerName, int readyFd);

}  // namespace hp::terminal
