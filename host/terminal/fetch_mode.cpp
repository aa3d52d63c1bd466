#include "host/terminal/fetch_mode.hpp"

#include <cstdio>

namespace hp::terminal {

namespace {

// Half the weight to the newest figure: follows a changed link within a few requests.
double smooth(const std::optional<double>& old, double fresh) {
  return old ? (*old + fresh) / 2 : fresh;
}

std::string figure(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f ms", ms);
  return text;
}

}  // namespace

ModeChoice chooseMode(const LinkFigures& link, ShopFigures& shop, bool prepared) {
  ModeChoice choice;
  const double rtt = link.homeRttMs;
  const double delegatedEstimate = (prepared ? 0 : rtt) + 3 * rtt + link.cpuResumeMs;
  const double relayEstimate = rtt + link.homeShopMs.value_or(kAssumedHomeShopMs);
  choice.delegatedMs = shop.delegatedMs.value_or(delegatedEstimate);
  choice.relayedMs = shop.relayedMs.value_or(relayEstimate);
  const bool measured = shop.delegatedMs && shop.relayedMs;
  // A tie goes to delegation: it leaves the home server's link and CPU free.
  choice.mode = choice.relayedMs < choice.delegatedMs ? FetchMode::kRelay : FetchMode::kDelegate;
  choice.reason = std::string(measured ? "measured" : "estimated") + ": delegated " +
                  figure(choice.delegatedMs) + ", relayed " + figure(choice.relayedMs);
  ++shop.decisions;
  const bool oneMeasured = shop.delegatedMs.has_value() != shop.relayedMs.has_value();
  const double measuredMs = shop.delegatedMs ? choice.delegatedMs : choice.relayedMs;
  const double estimatedMs = shop.delegatedMs ? choice.relayedMs : choice.delegatedMs;
  const unsigned exploreAt =
      estimatedMs <= kExploreMargin * measuredMs ? kExploreAt : kReprobeEvery;
  if (oneMeasured && shop.decisions >= exploreAt) {
    // An estimate never checked could keep a worse mode for good: measure the other once.
    choice.mode = shop.delegatedMs ? FetchMode::kRelay : FetchMode::kDelegate;
    choice.reason += " (measuring the other mode once)";
  } else if (measured && shop.decisions % kReprobeEvery == 0) {
    choice.mode = choice.mode == FetchMode::kRelay ? FetchMode::kDelegate : FetchMode::kRelay;
    choice.reason += " (re-measuring the other mode)";
  }
  return choice;
}

void noteRoundTrip(LinkFigures& link, double ms) {
  if (ms > 0 && (link.homeRttMs <= 0 || ms < link.homeRttMs)) link.homeRttMs = ms;
}

void noteFetch(LinkFigures& link, ShopFigures& shop, FetchMode mode, double ms) {
  if (ms < 0) return;
  if (mode == FetchMode::kDelegate) {
    shop.delegatedMs = smooth(shop.delegatedMs, ms);
  } else {
    shop.relayedMs = smooth(shop.relayedMs, ms);
    if (ms > link.homeRttMs) link.homeShopMs = smooth(link.homeShopMs, ms - link.homeRttMs);
  }
}

const char* modeName(FetchMode mode) {
  return mode == FetchMode::kRelay ? "relay" : "delegate";
}

std::optional<FetchMode> modeNamed(const std::string& name) {
  if (name == "relay") return FetchMode::kRelay;
  if (name == "delegate") return FetchMode::kDelegate;
  return std::nullopt;
}

}  // namespace hp::terminal
