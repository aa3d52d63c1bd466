// Delegated or relayed, per request (host/terminal/README.md, "Choosing the mode"): the agent
// keeps what it measured and this rule, pure so it is unit-tested, picks the faster.
//
// Delegated: the terminal resumes the handed-out session with the shop itself: TCP connect,
// abbreviated TLS handshake, request: three round trips on the terminal's link to the shop,
// plus the terminal's own crypto, plus session.open's round trip to the home server unless the
// agent already holds the session (prepared). Relayed: one round trip to the home server plus
// the home server's own exchange with the shop. Until a mode has been measured for the shop
// its time is estimated from the measured home-server RTT (the channel handshake's round trip
// and the calls' since: the terminal's access link is taken to dominate its path to the shop
// too) and the calibrated CPU cost of a resumption. With one mode measured at a shop, the
// other is tried once: at the kExploreAt-th request when its estimate is within kExploreMargin
// of the measured figure (it may well be faster), else only at the kReprobeEvery-th (a mode
// estimated far worse is not paid for by the user's second page; it is still checked, so a
// wrong estimate cannot keep a worse mode for good). Once both are measured the measured
// (smoothed) stand-by times decide, and every kReprobeEvery-th request tries the other mode
// once so a changed link is noticed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hp::terminal {

enum class FetchMode { kDelegate, kRelay };

inline constexpr unsigned kReprobeEvery = 16;
inline constexpr unsigned kExploreAt = 2;
inline constexpr double kExploreMargin = 1.25;
// The home server's exchange with a shop before anything is measured: a fixed line's ~20 ms
// RTT times TCP connect, resumption and request.
inline constexpr double kAssumedHomeShopMs = 60;

struct LinkFigures {
  double homeRttMs = 0;    // the smallest round trip seen to the home server
  double cpuResumeMs = 0;  // the calibrated cost of a resumption's crypto on this terminal
  std::optional<double> homeShopMs;  // relay stand-by minus the home RTT, smoothed, any shop
};

struct ShopFigures {
  std::optional<double> delegatedMs;  // smoothed stand-by of each mode at this shop
  std::optional<double> relayedMs;
  unsigned decisions = 0;
};

struct ModeChoice {
  FetchMode mode = FetchMode::kDelegate;
  double delegatedMs = 0;  // the figures compared (measured or estimated)
  double relayedMs = 0;
  std::string reason;
};

// `prepared`: the agent holds a session for this shop (no session.open round trip).
ModeChoice chooseMode(const LinkFigures& link, ShopFigures& shop, bool prepared);
// Takes a round trip measured over the home link (the channel handshake's, or an answered
// call's: each an upper bound, so the smallest is kept; 0, nothing measured, is ignored).
void noteRoundTrip(LinkFigures& link, double ms);
// Takes a measured stand-by into the shop's (and, for relays, the link's) figures.
void noteFetch(LinkFigures& link, ShopFigures& shop, FetchMode mode, double ms);

const char* modeName(FetchMode mode);
std::optional<FetchMode> modeNamed(const std::string& name);

}  // namespace hp::terminal
