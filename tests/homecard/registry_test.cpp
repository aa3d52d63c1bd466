// The three trust registries (terminals, shops, banks).
#include <cstdio>

#include "base/ec_key.hpp"
#include "base/tlv.hpp"
#include "tests/homecard/test_card.hpp"

using hp::base::Bytes;
using hp::base::toHex;
using hp::card::homecard::test::TestCard;

namespace {
Bytes freshPoint(hp::base::Rng& rng) {
  auto key = hp::base::EcKeyPair::generate(rng);
  REQUIRE(key.ok());
  return key.value()->publicPoint();
}

Bytes idOf(int n) {
  char text[16];
  std::snprintf(text, sizeof text, "terminal-%02d", n);
  return hp::base::bytesOf(text);
}

Bytes addApdu(uint8_t registry, const Bytes& id, const Bytes& point) {
  Bytes data = hp::base::makeTlv(0xC0, id);
  hp::base::appendTlv(data, 0xC1, point);
  return hp::protocol::apdu::encodeCommandApdu(0x80, 0xE2, registry, 0x00, data, 0);
}

Bytes idApdu(uint8_t ins, uint8_t registry, const Bytes& id, uint32_t ne) {
  return hp::protocol::apdu::encodeCommandApdu(0x80, ins, registry, 0x00, id, ne);
}
}  // namespace

TEST_SUITE("registry") {
  TEST_CASE("add, get, list, delete; PIN1 needed; registries are separate") {
    TestCard card;
    card.personalize();
    const Bytes p1 = freshPoint(*card.rng);
    const Bytes p2 = freshPoint(*card.rng);
    CHECK(card.send(addApdu(1, idOf(1), p1)).sw == "6982");
    CHECK(card.send("80 E6 01 00 00").sw == "6982");
    card.verifyPin1();
    CHECK(card.send("80 E6 01 00 00").sw == "9000");
    CHECK(card.send("80 E6 01 00 00").data.empty());
    CHECK(card.send(addApdu(1, idOf(1), p1)).sw == "9000");
    CHECK(card.send(addApdu(1, idOf(1), p2)).sw == "6A89");
    CHECK(card.send(addApdu(2, idOf(1), p2)).sw == "9000");  // same id, other registry
    CHECK(card.send(addApdu(1, idOf(2), p2)).sw == "9000");

    const auto got = card.send(idApdu(0xE8, 1, idOf(2), 256));
    CHECK(got.sw == "9000");
    CHECK(got.data == hp::base::makeTlv(0xC1, p2));
    CHECK(card.send(idApdu(0xE8, 2, idOf(1), 256)).data == hp::base::makeTlv(0xC1, p2));
    CHECK(card.send(idApdu(0xE8, 3, idOf(1), 256)).sw == "6A88");

    Bytes expected;
    for (const auto& [id, point] : {std::pair{idOf(1), p1}, std::pair{idOf(2), p2}}) {
      Bytes inner = hp::base::makeTlv(0xC0, id);
      hp::base::appendTlv(inner, 0xC1, point);
      hp::base::appendTlv(expected, 0xE1, inner);
    }
    CHECK(toHex(card.transceive("80 E6 01 00 00").data) == toHex(expected));

    CHECK(card.send(idApdu(0xE4, 1, idOf(1), 0)).sw == "9000");
    CHECK(card.send(idApdu(0xE4, 1, idOf(1), 0)).sw == "6A88");
    CHECK(card.send(idApdu(0xE8, 1, idOf(1), 256)).sw == "6A88");
    CHECK(card.send(idApdu(0xE8, 1, idOf(2), 256)).sw == "9000");
    // Persistent.
    card.reopen();
    card.select();
    card.verifyPin1();
    CHECK(card.send(idApdu(0xE8, 1, idOf(2), 256)).data == hp::base::makeTlv(0xC1, p2));
    CHECK(card.send(idApdu(0xE8, 2, idOf(1), 256)).sw == "9000");
  }

  TEST_CASE("malformed entries and bad references") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    const Bytes point = freshPoint(*card.rng);
    Bytes offCurve = point;
    offCurve[64] ^= 0x01;
    CHECK(card.send(addApdu(1, idOf(1), offCurve)).sw == "6A80");
    CHECK(card.send(addApdu(1, idOf(1), Bytes(point.begin(), point.end() - 1))).sw == "6A80");
    Bytes compressed(point.begin(), point.begin() + 33);
    compressed[0] = 0x02;
    CHECK(card.send(addApdu(1, idOf(1), compressed)).sw == "6A80");
    CHECK(card.send(addApdu(1, Bytes{}, point)).sw == "6A80");
    CHECK(card.send(addApdu(1, Bytes(33, 'x'), point)).sw == "6A80");
    CHECK(card.send(addApdu(1, Bytes(32, 'x'), point)).sw == "9000");
    // C1 before C0, a missing C1, an extra TLV.
    Bytes swapped = hp::base::makeTlv(0xC1, point);
    hp::base::appendTlv(swapped, 0xC0, idOf(2));
    CHECK(card.send(hp::protocol::apdu::encodeCommandApdu(0x80, 0xE2, 1, 0, swapped, 0)).sw ==
          "6A80");
    CHECK(card.send(hp::protocol::apdu::encodeCommandApdu(0x80, 0xE2, 1, 0,
                                                          hp::base::makeTlv(0xC0, idOf(2)), 0))
              .sw == "6A80");
    CHECK(card.send("80 E2 01 00").sw == "6700");
    CHECK(card.send("80 E4 01 00").sw == "6700");
    CHECK(card.send("80 E8 01 00 00").sw == "6700");
    CHECK(card.send("80 E6 01 00 01 00 00").sw == "6700");
    CHECK(card.send(idApdu(0xE4, 1, Bytes(33, 'x'), 0)).sw == "6A80");
    CHECK(card.send(addApdu(4, idOf(1), point)).sw == "6A86");
    CHECK(card.send(addApdu(0, idOf(1), point)).sw == "6A86");
    CHECK(card.send("80 E6 01 01 00").sw == "6A86");
    CHECK(card.send("80 E6 04 00 00").sw == "6A86");
  }

  TEST_CASE("16 entries per registry; the list then needs response chaining") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    for (int i = 0; i < 16; ++i) {
      CAPTURE(i);
      REQUIRE(card.send(addApdu(3, idOf(i), freshPoint(*card.rng))).sw == "9000");
    }
    CHECK(card.send(addApdu(3, idOf(16), freshPoint(*card.rng))).sw == "6A84");
    CHECK(card.send(addApdu(3, idOf(5), freshPoint(*card.rng))).sw == "6A89");
    const auto first = card.send("80 E6 03 00 00");
    CHECK(first.sw.starts_with("61"));
    const auto list = card.transceive("80 E6 03 00 00");
    CHECK(list.sw == "9000");
    const auto entries = hp::base::parseTlvs(list.data);
    REQUIRE(entries.has_value());
    CHECK(entries->size() == 16);
    CHECK(card.send(idApdu(0xE4, 3, idOf(0), 0)).sw == "9000");
    CHECK(card.send(addApdu(3, idOf(16), freshPoint(*card.rng))).sw == "9000");
  }
}
