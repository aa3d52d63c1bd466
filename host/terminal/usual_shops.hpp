// The terminal's own settings and the shops its agent prepares sessions for right after an
// unlock (the seed's "previous process", host/terminal/README.md "The agent").
//
// Config: $HOMEPROXY_TERMINAL_CONFIG, else ${XDG_CONFIG_HOME:-~/.config}/homeproxy/terminal.conf;
// one setting per line, '#' starts a comment:
//   usual-shop HOST:PORT        (any number; prepared first, in this order)
//   agent-idle-seconds N        (the agent ends after N seconds without a command; 1..600)
// Recent shops: ${XDG_STATE_HOME:-~/.local/state}/homeproxy/recent-shops, one HOST:PORT per
// visit, newest last, the last kRecentVisits kept. A shop visited at least twice there counts
// as usual. Shop names only: no secret is ever written.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace hp::terminal {

inline constexpr unsigned kDefaultAgentIdleSeconds = 300;
inline constexpr size_t kMaxUsualShops = 4;
inline constexpr size_t kRecentVisits = 32;

struct TerminalConfig {
  std::vector<std::string> usualShops;
  unsigned agentIdleSeconds = kDefaultAgentIdleSeconds;
};

// The parsed text (unit-tested); errors name the line.
Result<TerminalConfig> parseTerminalConfig(const std::string& text);
// The file's settings; a missing file gives the defaults. $HOMEPROXY_AGENT_IDLE_SECONDS, when
// set, overrides the idle limit (scripts and tests).
Result<TerminalConfig> loadTerminalConfig();

// The configured shops, then the recent ones visited at least twice, at most kMaxUsualShops.
std::vector<std::string> usualShops(const TerminalConfig& config,
                                    const std::vector<std::string>& recentVisits);
std::vector<std::string> readRecentVisits();
void noteRecentVisit(const std::string& shop);

}  // namespace hp::terminal
