// The terminal finds the access card by its ATR. (Its URLs and host:port addresses are
// protocol/url's, tested in tests/protocol/https_url_test.cpp.)
#include <doctest.h>

#include "card/runtime/atr.hpp"
#include "host/terminal/access_card_link.hpp"

TEST_CASE("reader discovery: the access card is recognized by its ATR, no APDU needed") {
  // The ATRs the card processes present (card/accesscard, card/homecard).
  CHECK(hp::terminal::isAccessCardAtr(hp::card::runtime::makeAtr("ACCESSCARD")));
  CHECK_FALSE(hp::terminal::isAccessCardAtr(hp::card::runtime::makeAtr("HOMECARD")));
  CHECK_FALSE(hp::terminal::isAccessCardAtr({}));
}
