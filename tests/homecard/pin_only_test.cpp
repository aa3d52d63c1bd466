// PIN-only debits bounded by the card itself (docs/emoney.md, "PIN-only payments", issue 13):
// the total debited with PIN1 alone since the last PIN2 verification never passes
// kPinOnlyCumulativeMax, whatever a home server that keeps PIN1 open asks.
#include <algorithm>
#include <string>

#include "card/homecard/home_card_state.hpp"
#include "tests/homecard/purse_fixture.hpp"

using hp::base::Bytes;
using hp::card::homecard::HomeCardState;
using hp::card::homecard::test::PurseCard;
namespace purse = hp::protocol::purse;

namespace {
// Puts 200.00 in the purse and leaves the card in standby (PIN1 only).
void fundAndDropPin2(PurseCard& p) {
  p.topUp(20'000);
  REQUIRE(p.card.send("00 20 FF 82").sw == "9000");  // drop PIN2, keep PIN1
}

std::string pinOnlyDebit(PurseCard& p, const std::string& ref, uint64_t amount) {
  return p.card.send(PurseCard::debitApdu(++p.clockMs, "shop.example", ref, "EUR", amount)).sw;
}

uint64_t storedSpent(PurseCard& p) {
  REQUIRE(p.card.storage.image().has_value());
  const auto s = HomeCardState::deserialize(*p.card.storage.image());
  REQUIRE(s.has_value());
  return s->purse.pinOnlySpent;
}
}  // namespace

TEST_SUITE("pin_only") {
  TEST_CASE("a compromised host repeating 25.00 with PIN1 open is stopped at the card's total") {
    static_assert(purse::kPinOnlyCumulativeMax == 2 * purse::kPinOnlyDebitMax);
    PurseCard p;
    fundAndDropPin2(p);
    CHECK(pinOnlyDebit(p, "a", purse::kPinOnlyDebitMax) == "9000");
    CHECK(pinOnlyDebit(p, "b", purse::kPinOnlyDebitMax) == "9000");
    CHECK(storedSpent(p) == purse::kPinOnlyCumulativeMax);
    const Bytes before = *p.card.storage.image();
    // Even one minor unit more is refused with the PIN2-required answer; nothing moves.
    CHECK(pinOnlyDebit(p, "c", 1) == "6982");
    CHECK(pinOnlyDebit(p, "d", purse::kPinOnlyDebitMax) == "6982");
    CHECK(*p.card.storage.image() == before);
    // An identical retry of a logged PIN-only debit moves nothing: answered, not refused.
    p.clockMs -= 3;  // the retry carries the time of "b"
    CHECK(pinOnlyDebit(p, "b", purse::kPinOnlyDebitMax) == "9000");
    CHECK(p.status().balance == 20'000 - purse::kPinOnlyCumulativeMax);
  }

  TEST_CASE("the total counts partial amounts: 20 + 20 fits, a further 10.01 does not") {
    PurseCard p;
    fundAndDropPin2(p);
    CHECK(pinOnlyDebit(p, "a", 2000) == "9000");
    CHECK(pinOnlyDebit(p, "b", 2000) == "9000");
    CHECK(pinOnlyDebit(p, "c", 1001) == "6982");
    CHECK(pinOnlyDebit(p, "c", 1000) == "9000");
    CHECK(storedSpent(p) == 5000);
  }

  TEST_CASE("a successful PIN2 verification resets the total; a wrong PIN2 does not") {
    PurseCard p;
    fundAndDropPin2(p);
    CHECK(pinOnlyDebit(p, "a", 2500) == "9000");
    CHECK(pinOnlyDebit(p, "b", 2500) == "9000");
    CHECK(p.card.send("00 20 00 82 06 " + hp::card::homecard::test::asciiHex("999999"))
              .sw.rfind("63C", 0) == 0);
    CHECK(storedSpent(p) == 5000);
    CHECK(pinOnlyDebit(p, "c", 100) == "6982");
    p.card.verifyPin2();
    CHECK(storedSpent(p) == 0);
    REQUIRE(p.card.send("00 20 FF 82").sw == "9000");
    CHECK(pinOnlyDebit(p, "c", 2500) == "9000");
    CHECK(pinOnlyDebit(p, "d", 2500) == "9000");
    CHECK(pinOnlyDebit(p, "e", 1) == "6982");
  }

  TEST_CASE("debits made with PIN2 verified do not count") {
    PurseCard p;
    p.topUp(20'000);  // the fixture leaves the card in the crypto state
    CHECK(pinOnlyDebit(p, "a", 2500) == "9000");
    CHECK(pinOnlyDebit(p, "b", 4000) == "9000");
    CHECK(storedSpent(p) == 0);
    REQUIRE(p.card.send("00 20 FF 82").sw == "9000");
    CHECK(pinOnlyDebit(p, "c", 2500) == "9000");
    CHECK(pinOnlyDebit(p, "d", 2500) == "9000");
    CHECK(storedSpent(p) == 5000);
  }

  TEST_CASE("the total survives a restart of the applet from its stored state") {
    PurseCard p;
    fundAndDropPin2(p);
    CHECK(pinOnlyDebit(p, "a", 2500) == "9000");
    CHECK(pinOnlyDebit(p, "b", 2000) == "9000");
    p.card.reopen();  // power cycle: PIN1 must be given again, the total stays
    p.card.select();
    p.card.verifyPin1();
    CHECK(pinOnlyDebit(p, "c", 501) == "6982");
    CHECK(pinOnlyDebit(p, "c", 500) == "9000");
    CHECK(storedSpent(p) == 5000);
  }

  TEST_CASE("the debit and its count are one write: a failed write keeps neither") {
    PurseCard p;
    fundAndDropPin2(p);
    const Bytes before = *p.card.storage.image();
    p.card.storage.failNextStores(0, 1);
    CHECK(pinOnlyDebit(p, "a", 2500) == "6581");
    CHECK(*p.card.storage.image() == before);
    CHECK(pinOnlyDebit(p, "a", 2500) == "9000");
    CHECK(storedSpent(p) == 2500);
    CHECK(p.status().balance == 17'500);
  }

  TEST_CASE("a version 3 image (no counter) loads with the total at 0") {
    PurseCard p;
    fundAndDropPin2(p);
    CHECK(pinOnlyDebit(p, "a", 2500) == "9000");
    HomeCardState s = p.card.applet->state();
    // Version 3 wrote the purse section without the trailing u64 counter.
    Bytes purseV4 = s.purse.serialize();
    Bytes image = s.serialize();
    const Bytes counter(purseV4.end() - 8, purseV4.end());
    REQUIRE(counter == Bytes{0, 0, 0, 0, 0, 0, 0x09, 0xC4});
    // The purse blob sits before the card auth section; drop its last 8 bytes and fix its length.
    const auto at = std::search(image.begin(), image.end(), purseV4.begin(), purseV4.end());
    REQUIRE(at != image.end());
    const size_t end = static_cast<size_t>(at - image.begin()) + purseV4.size();
    image.erase(image.begin() + static_cast<std::ptrdiff_t>(end - 8),
                image.begin() + static_cast<std::ptrdiff_t>(end));
    image[2] = 3;
    const auto v4 = HomeCardState::deserialize(s.serialize());
    REQUIRE(v4.has_value());
    CHECK(v4->purse.pinOnlySpent == 2500);
    // The blob's u32 big-endian length prefix, 4 bytes before it.
    const size_t lenAt = static_cast<size_t>(at - image.begin()) - 4;
    const size_t len = purseV4.size() - 8;
    for (size_t i = 0; i < 4; ++i) image[lenAt + i] = static_cast<uint8_t>(len >> (8 * (3 - i)));
    const auto v3 = HomeCardState::deserialize(image);
    REQUIRE(v3.has_value());
    CHECK(v3->purse.pinOnlySpent == 0);
    CHECK(v3->purse.balance == 17'500);
    // The same bytes marked version 4 are refused: the counter is missing.
    image[2] = 4;
    CHECK_FALSE(HomeCardState::deserialize(image).has_value());
  }
}
