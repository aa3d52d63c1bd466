// Keeps the access card powered between terminal commands: at most one keeper per reader.
//
// The unlock lives in the card's RAM and each terminal command is its own process. When the
// last PC/SC client disconnects, pcscd powers an idle card off after a grace period (measured:
// an unlocked access card was locked again 15 s after `terminal unlock`), and a power-off
// locks the card. So after a successful unlock the terminal leaves a small keeper process that
// only holds a shared connection to the reader: it sends no APDU (which would restart the
// card's own 10-minute idle lock) and holds no secret. It ends after kHoldSeconds, when the card
// leaves the reader, when pcscd goes away, or when `terminal lock` ends it.
//
// One keeper per reader (issue 8 item 7): the keeper holds an exclusive flock(2) on a lock file
// named after the reader (keeperLockPath), with its pid inside, for as long as it lives; the
// kernel drops the lock when it exits, however it exits. `terminal unlock` reuses a running
// keeper; `terminal lock` locks the card, then sends the keeper SIGTERM and waits for the lock.
#pragma once

#include <string>

#include "base/result.hpp"

namespace hp::terminal {

// The card's own idle time-out (apdu_specs/accesscard.json): an unlock never outlives it by
// much, as the card locks itself after 10 minutes without commands anyway.
inline constexpr unsigned kHoldSeconds = 600;
// argv[1] of the keeper process (the terminal executable itself, re-executed).
inline constexpr const char* kKeeperArgument = "--internal-keep-card-powered";

// $XDG_RUNTIME_DIR/homeproxy (else $HOME/.cache/homeproxy, else /tmp/homeproxy-<uid>), file
// "card-keeper-<reader>.lock" with every character of the reader name outside [A-Za-z0-9._-]
// replaced by '_'. The directory is created (0700) when missing.
std::string keeperLockPath(const std::string& readerName);

// Starts the keeper for `readerName` and returns once it holds the reader; returns at once when
// a keeper for that reader is already running.
Result<void> startCardKeeper(const std::string& readerName);
// Ends the reader's keeper, if one runs (SIGTERM), and waits until it has gone (up to 5 s).
// true when a keeper was ended.
Result<bool> stopCardKeeper(const std::string& readerName);
// The keeper's main: connect, tell the parent through readyFd, wait, exit. lockFd is the lock
// file, already locked by the parent and inherited; the keeper writes its pid into it.
int runCardKeeper(const std::string& readerName, int readyFd, int lockFd);

}  // namespace hp::terminal
