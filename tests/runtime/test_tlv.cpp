// BER-TLV building and parsing (ISO 7816-4 clause 6.3), with malformed inputs.
#include <doctest.h>

#include "base/tlv.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using hp::test::hex;
using namespace hp::base;

TEST_CASE("makeTlv picks the shortest length form") {
  CHECK(makeTlv(0x84, hex("01 02")) == hex("84 02 01 02"));
  CHECK(makeTlv(0x5F20, hex("41")) == hex("5F 20 01 41"));
  CHECK(makeTlv(0x53, {}) == hex("53 00"));
  Bytes v127(127, 1), v128(128, 2), v255(255, 3), v256(256, 4);
  const Bytes t127 = makeTlv(0x53, v127);
  CHECK(Bytes(t127.begin(), t127.begin() + 2) == hex("53 7F"));
  const Bytes t128 = makeTlv(0x53, v128);
  CHECK(Bytes(t128.begin(), t128.begin() + 3) == hex("53 81 80"));
  const Bytes t255 = makeTlv(0x53, v255);
  CHECK(Bytes(t255.begin(), t255.begin() + 3) == hex("53 81 FF"));
  const Bytes t256 = makeTlv(0x53, v256);
  CHECK(Bytes(t256.begin(), t256.begin() + 4) == hex("53 82 01 00"));
  for (const Bytes* v : {&v127, &v128, &v255, &v256}) {
    auto parsed = parseTlvs(makeTlv(0x7F49, *v));
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->size() == 1);
    CHECK((*parsed)[0].tag == 0x7F49);
    CHECK((*parsed)[0].value == *v);
  }
}

TEST_CASE("parseTlvs reads a sequence and findTlv finds by tag") {
  Bytes in = hex("84 02 AA BB");
  hp::base::append(in, hex("5F 2D 00"));
  hp::base::append(in, hex("A5 81 01 77"));
  auto list = parseTlvs(in);
  REQUIRE(list.has_value());
  REQUIRE(list->size() == 3);
  CHECK(findTlv(*list, 0x84) != nullptr);
  CHECK(*findTlv(*list, 0x84) == hex("AA BB"));
  CHECK(findTlv(*list, 0x5F2D)->empty());
  CHECK(*findTlv(*list, 0xA5) == hex("77"));
  CHECK(findTlv(*list, 0x85) == nullptr);
  CHECK(parseTlvs({})->empty());
}

TEST_CASE("parseTlvs refuses every malformation") {
  const char* bad[] = {
      "84",              // tag without length
      "84 03 01 02",     // value past the end
      "5F",              // two-byte tag cut after the first byte
      "5F 20",           // two-byte tag without length
      "5F 81 20 01 00",  // three-byte tag
      "84 80",           // indefinite length
      "84 83 00 00 01",  // three-byte length field
      "84 84 00 00 00 01",
      "84 81",           // 81 without its length byte
      "84 82 00",        // 82 with one length byte
      "84 82 00 02 01",  // 82 length past the end
      "84 01 01 85",     // a good TLV then a truncated one
  };
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_FALSE(parseTlvs(hex(text)).has_value());
  }
}
