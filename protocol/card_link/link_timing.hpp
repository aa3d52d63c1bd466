// The card link's timing, in one place because its numbers only work together (docs/design.md,
// "The card link"; card/runtime/vpcd_link.hpp, requirePowerOn):
//
//   pcscd polls a card's presence every ~444 ms (GET ATR; measured with pcsc-lite 1.9.9 +
//   vpcd 0.8). A card process that finds pcscd missed its insertion (a command on a link that
//   was never powered on) closes and stays away for kMissedInsertionAbsence, so that at least
//   two polls fall in the gap and pcscd sees the reader empty; it then reconnects and pcscd
//   powers it up. The home server, meanwhile, retries a safe command on a new link for
//   kRelinkWindow, which must cover that whole round:
//
//     relink window > absence + 2 polls + margin   (3000 > 1000 + 2 * 444 + 500 ms)
//
// The card (card/runtime/card_process.cpp) and the home server
// (host/home_server/card/reconnecting_transport.cpp) take their figures from here.
#pragma once

#include <chrono>

namespace hp::protocol::card_link {

// pcscd's presence poll period (measured, not configurable in pcsc-lite).
inline constexpr std::chrono::milliseconds kPcscdPresencePoll{444};
// How long a card process stays away after a missed insertion: more than two polls.
inline constexpr std::chrono::milliseconds kMissedInsertionAbsence{1000};
// Slack for scheduling and the card process's own reconnect back-off (50 ms, doubling).
inline constexpr std::chrono::milliseconds kRelinkMargin{500};
// How long the home server keeps trying to relink to a restarted card.
inline constexpr std::chrono::milliseconds kRelinkWindow{3000};

static_assert(kMissedInsertionAbsence > 2 * kPcscdPresencePoll,
              "a card that missed its insertion must stay away for two presence polls");
static_assert(kRelinkWindow > kMissedInsertionAbsence + 2 * kPcscdPresencePoll + kRelinkMargin,
              "the home server must wait out the card's absence and pcscd's polls");

}  // namespace hp::protocol::card_link
