// The card link's PIN session on the card (card_link_commands.cpp, protocol/card_link/pin_session):
// the host side is written out here from the spec (apdu_specs/homecard.json, AUTHENTICATE CARD
// and SECURE VERIFY), so the test checks the card against the documented wire format.
#include <doctest.h>

#include "base/ec_key.hpp"
#include "card/homecard/home_card_state.hpp"
#include "protocol/card_link/pin_session.hpp"
#include "tests/homecard/test_card.hpp"

namespace hp::card::homecard::test {

namespace {
namespace ps = protocol::card_link::pin_session;

Bytes apdu(std::initializer_list<uint8_t> header, ByteView data, bool withLe) {
  Bytes out(header);
  out.push_back(static_cast<uint8_t>(data.size()));
  out.insert(out.end(), data.begin(), data.end());
  if (withLe) out.push_back(0x00);
  return out;
}

Bytes cardPoint(TestCard& card) {
  const Reply r = card.transceive("00CADF3100");
  REQUIRE(r.sw == "9000");
  REQUIRE(r.data.size() == 70);
  return Bytes(r.data.begin() + 5, r.data.end());
}

// The host's half: AUTHENTICATE CARD against `pinned`; the keys when the receipt matches.
struct Session {
  std::optional<ps::Keys> keys;
  std::string sw;
  bool receiptOk = false;
};
Session authenticate(TestCard& card, ByteView pinned, base::Rng& rng) {
  auto eph = base::EcKeyPair::generate(rng);
  REQUIRE(eph.ok());
  const Bytes point = (*eph)->publicPoint();
  const Bytes nonce = rng.bytes(ps::kNonceSize);
  Bytes challenge = point;
  challenge.insert(challenge.end(), nonce.begin(), nonce.end());
  const Reply r = card.transceive(apdu({0x80, 0x50, 0x00, 0x00}, challenge, true));
  Session s;
  s.sw = r.sw;
  if (r.sw != "9000") return s;
  REQUIRE(r.data.size() == ps::kNonceSize + ps::kReceiptSize);
  const ByteView answer = r.data;
  auto shared = (*eph)->agree(pinned, rng);
  REQUIRE(shared.ok());
  s.keys = ps::deriveKeys(shared->view(), pinned, point, nonce, answer.first(ps::kNonceSize));
  REQUIRE(s.keys);
  s.receiptOk = ps::receiptMatches(*s.keys, point, nonce, answer.first(ps::kNonceSize),
                                   answer.subspan(ps::kNonceSize));
  return s;
}

Reply secureVerify(TestCard& card, const ps::Keys& keys, uint8_t ref, std::string_view pin) {
  const Bytes sealed =
      ps::sealPin(keys, ref, ByteView(reinterpret_cast<const uint8_t*>(pin.data()), pin.size()));
  REQUIRE(sealed.size() == ps::kSealedPinSize);
  return card.send(apdu({0x80, 0x52, 0x00, ref}, sealed, false));
}
}  // namespace

TEST_SUITE("card link") {
  TEST_CASE("ACTIVATE makes a card authentication key; it survives a restart") {
    TestCard card;
    card.select();
    CHECK(card.send("00CADF3100").sw == "6985");  // personalization: no key yet
    card.personalize();
    const Bytes point = cardPoint(card);
    CHECK(point[0] == 0x04);
    CHECK(card.applet->state().hasCardAuthKey());
    card.reopen();
    card.select();
    CHECK(cardPoint(card) == point);
    // Separate from the user's key: generating that one leaves the card key alone.
    card.verifyPin1();
    card.verifyPin2();
    CHECK(card.transceive("0047800100").sw == "9000");
    CHECK(cardPoint(card) == point);
  }

  TEST_CASE("the protected PIN path: receipt, PIN1 and PIN2 sealed, one PIN per session") {
    TestCard card;
    card.select();
    card.personalize();
    const Bytes pinned = cardPoint(card);
    auto rng = base::makeSeededRng(testSeed() ^ 0xC11);

    Session s = authenticate(card, pinned, *rng);
    REQUIRE(s.sw == "9000");
    CHECK(s.receiptOk);
    CHECK(secureVerify(card, *s.keys, 0x81, kPin1).sw == "9000");
    CHECK(card.status(1) == 0x01);  // standby
    // The session is gone: the same sealed PIN again (a replay) is refused.
    CHECK(secureVerify(card, *s.keys, 0x81, kPin1).sw == "6985");

    // PIN2 before PIN1 rules hold as for VERIFY; a wrong PIN2 costs a try.
    s = authenticate(card, pinned, *rng);
    CHECK(secureVerify(card, *s.keys, 0x82, "111111").sw == "63C2");
    s = authenticate(card, pinned, *rng);
    CHECK(secureVerify(card, *s.keys, 0x82, kPin2).sw == "9000");
    CHECK(card.status(1) == 0x02);  // crypto
    CHECK(card.status(3) == 0x03);  // the try came back with the right PIN
  }

  TEST_CASE("a recorded SECURE VERIFY replayed in a new session does not verify") {
    TestCard card;
    card.select();
    card.personalize();
    const Bytes pinned = cardPoint(card);
    auto rng = base::makeSeededRng(testSeed() ^ 0xC12);
    Session first = authenticate(card, pinned, *rng);
    const Bytes sealed = ps::sealPin(
        *first.keys, 0x81, ByteView(reinterpret_cast<const uint8_t*>(kPin1.data()), kPin1.size()));
    // The listener replays the host's SECURE VERIFY after a new AUTHENTICATE CARD of its own:
    // the card's fresh nonce changed the keys.
    Session second = authenticate(card, pinned, *rng);
    CHECK(card.send(apdu({0x80, 0x52, 0x00, 0x81}, sealed, false)).sw == "6988");
    CHECK(card.status(1) == 0x00);
    CHECK(card.status(2) == 0x03);  // no try spent
    // A block sealed for PIN1 does not open as PIN2 (the reference is in the AAD).
    Session third = authenticate(card, pinned, *rng);
    const Bytes forPin1 = ps::sealPin(
        *third.keys, 0x81, ByteView(reinterpret_cast<const uint8_t*>(kPin2.data()), kPin2.size()));
    CHECK(card.send(apdu({0x80, 0x52, 0x00, 0x82}, forPin1, false)).sw == "6988");
  }

  TEST_CASE("a card with another key cannot make the receipt for the pinned key") {
    TestCard real;
    real.select();
    real.personalize();
    TestCard other(std::nullopt, testSeed() ^ 0x0DD);
    other.select();
    other.personalize();
    const Bytes pinned = cardPoint(real);
    REQUIRE(cardPoint(other) != pinned);
    auto rng = base::makeSeededRng(testSeed() ^ 0xC13);
    Session s = authenticate(other, pinned, *rng);
    REQUIRE(s.sw == "9000");
    CHECK_FALSE(s.receiptOk);
  }

  TEST_CASE("a reset drops the session") {
    TestCard card;
    card.select();
    card.personalize();
    const Bytes pinned = cardPoint(card);
    auto rng = base::makeSeededRng(testSeed() ^ 0xC14);
    Session s = authenticate(card, pinned, *rng);
    card.select();  // re-selection deselects first
    CHECK(secureVerify(card, *s.keys, 0x81, kPin1).sw == "6985");
  }

  TEST_CASE(
      "state format 2 images load without a card key; the key is refused in personalization") {
    HomeCardState state;
    Bytes image = state.serialize();
    REQUIRE(image[2] == 3);
    // Version 2: the same image without the card authentication section (tag, u32 length 0).
    Bytes v2(image.begin(), image.end() - 5);
    v2[2] = 2;
    auto loaded = HomeCardState::deserialize(v2);
    REQUIRE(loaded);
    CHECK_FALSE(loaded->hasCardAuthKey());
    HomeCardState withKey;
    withKey.cardAuthPrivate = SecretBytes(Bytes(32, 7));
    CHECK_FALSE(HomeCardState::deserialize(withKey.serialize()));  // personalization + key
  }
}

}  // namespace hp::card::homecard::test
