// The terminal agent (the ssh-agent / gpg-agent pattern; host/terminal/README.md "The agent"):
// started by `terminal unlock`, it holds the access card connection, the control channel to
// the home server and the shop sessions handed out to this terminal, for as long as the access
// card stays unlocked, and serves the `terminal` commands over its Unix socket
// (agent_socket.hpp), so a command pays no channel set-up.
//
// It ends, wiping every key it holds (the channel's record keys, the hand-outs' master
// secrets), within one tick (kAgentTickMs) of: SIGTERM (`terminal lock`), the card leaving the
// reader or being reset (SCardGetStatusChange, polled every tick), the card found locked (each
// command's hello costs one GET STATUS), its idle limit without a command, or the card's own
// 10 idle minutes since the agent's last APDU. It never answers a command after any of these.
#pragma once

#include <string>

namespace hp::terminal {

inline constexpr int kAgentTickMs = 100;

// The agent's main: open the card, listen, tell the parent through readyFd, set up the channel
// and prepare the usual shops' sessions, serve until a reason to end. lockFd is the agent lock
// file, already locked by the parent and inherited; the agent writes its pid into it.
int runAgent(const std::string& readerName, int readyFd, int lockFd);

}  // namespace hp::terminal
