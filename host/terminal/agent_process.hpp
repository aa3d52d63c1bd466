// Starting and ending the terminal agent (host/terminal/agent_server.hpp): at most one per
// reader.
//
// The agent replaces the card keeper of issue 8: the unlock lives in the card's RAM and pcscd
// powers an idle card off when no client holds it (measured: an unlocked access card was locked
// again 15 s after `terminal unlock` without a holder), so the agent's PC/SC connection is also
// what keeps the unlock alive between commands.
//
// One agent per reader: the agent holds an exclusive flock(2) on `agent-<reader>.lock` (in the
// agent directory, agent_socket.hpp), with its pid inside, for as long as it lives; the kernel
// drops the lock when it exits, however it exits. `terminal unlock` reuses a running agent;
// `terminal lock` locks the card, then sends the agent SIGTERM and waits for the lock.
#pragma once

#include <string>

#include "base/result.hpp"

namespace hp::terminal {

// argv[1] of the agent process (the terminal executable itself, re-executed).
inline constexpr const char* kAgentArgument = "--internal-agent";

// Starts the agent for `readerName` and returns once its socket listens; returns at once when
// an agent for that reader is already running.
Result<void> startAgent(const std::string& readerName);
// Ends the reader's agent, if one runs: SIGTERM, and SIGKILL if it has not gone within 1 s
// (a call to the home server in flight cannot be cut short otherwise). true when one was ended.
Result<bool> stopAgent(const std::string& readerName);

}  // namespace hp::terminal
