// The pure parts: biometric template format and matcher, data object validation.
#include <doctest.h>

#include "card/accesscard/biometric.hpp"
#include "card/accesscard/data_objects.hpp"
#include "tests/accesscard/test_card.hpp"

namespace hp::card::accesscard::test {

TEST_CASE("biometric: enrollment data is parsed strictly") {
  const Bytes code = hexBytes(kTemplateHex);
  auto e = card::accesscard::bio::parseEnrollment(hexBytes(enrollmentHex(code, 40)));
  REQUIRE(e.has_value());
  CHECK(toHex(e->code.view()) == toHex(code));
  CHECK(e->threshold == 40);
  CHECK(card::accesscard::bio::parseEnrollment(hexBytes(enrollmentHex(code, 128))).has_value());
  CHECK_FALSE(
      card::accesscard::bio::parseEnrollment(hexBytes(enrollmentHex(code, 129))).has_value());
  const Bytes shortCode(31, 0xAA);
  CHECK_FALSE(
      card::accesscard::bio::parseEnrollment(hexBytes(enrollmentHex(shortCode, 40))).has_value());
  // Threshold missing, wrong outer tag, trailing byte, duplicated code.
  CHECK_FALSE(card::accesscard::bio::parseEnrollment(hexBytes(sampleHex(code))).has_value());
  std::string wrongTag = enrollmentHex(code, 40);
  wrongTag.replace(0, 4, "7F2D");
  CHECK_FALSE(card::accesscard::bio::parseEnrollment(hexBytes(wrongTag)).has_value());
  CHECK_FALSE(
      card::accesscard::bio::parseEnrollment(hexBytes(enrollmentHex(code, 40) + "00")).has_value());
  CHECK_FALSE(
      card::accesscard::bio::parseEnrollment(hexBytes("7F2E 06 820128 820128")).has_value());
  CHECK_FALSE(card::accesscard::bio::parseEnrollment({}).has_value());
}

TEST_CASE("biometric: sample data is parsed strictly") {
  const Bytes code = hexBytes(kTemplateHex);
  auto s = card::accesscard::bio::parseSample(hexBytes(sampleHex(code)));
  REQUIRE(s.has_value());
  CHECK(toHex(s->view()) == toHex(code));
  CHECK_FALSE(card::accesscard::bio::parseSample(hexBytes(sampleHex(Bytes(33, 1)))).has_value());
  CHECK_FALSE(card::accesscard::bio::parseSample(hexBytes(sampleHex(Bytes(31, 1)))).has_value());
  CHECK_FALSE(card::accesscard::bio::parseSample(hexBytes(enrollmentHex(code, 3)))
                  .has_value());  // extra 82
  CHECK_FALSE(card::accesscard::bio::parseSample(hexBytes("7F2E 02 8100")).has_value());
  CHECK_FALSE(
      card::accesscard::bio::parseSample(hexBytes("7F2E 22 8120")).has_value());  // truncated
}

TEST_CASE("biometric: match is popcount(sample xor template) <= T") {
  const Bytes code = hexBytes(kTemplateHex);
  CHECK(card::accesscard::bio::matches(code, sampleAtDistance(0), 0));
  CHECK_FALSE(card::accesscard::bio::matches(code, sampleAtDistance(1), 0));
  CHECK(card::accesscard::bio::matches(code, sampleAtDistance(40), 40));
  CHECK_FALSE(card::accesscard::bio::matches(code, sampleAtDistance(41), 40));
  CHECK(card::accesscard::bio::matches(code, sampleAtDistance(128), 128));
  CHECK_FALSE(card::accesscard::bio::matches(code, sampleAtDistance(129), 128));
  // Bits spread over the whole code count the same as leading ones.
  Bytes spread = code;
  for (size_t i = 0; i < spread.size(); ++i) spread[i] ^= 0x01;  // 32 bits, one per byte
  CHECK(card::accesscard::bio::matches(code, spread, 32));
  CHECK_FALSE(card::accesscard::bio::matches(code, spread, 31));
  CHECK_FALSE(card::accesscard::bio::matches(code, Bytes(code.begin(), code.end() - 1), 128));
}

TEST_CASE("data objects: terminal ID, home server key, address, profile") {
  CHECK(card::accesscard::objects::isValidTerminalId(Bytes(1, 'x')));
  CHECK(card::accesscard::objects::isValidTerminalId(Bytes(32, 'x')));
  CHECK_FALSE(card::accesscard::objects::isValidTerminalId(Bytes(33, 'x')));
  CHECK_FALSE(card::accesscard::objects::isValidTerminalId({}));

  const Bytes point = homeServerPoint();
  CHECK(card::accesscard::objects::isValidP256Point(point));
  Bytes offCurve = point;
  offCurve[64] ^= 0x01;
  CHECK_FALSE(card::accesscard::objects::isValidP256Point(offCurve));
  CHECK_FALSE(card::accesscard::objects::isValidP256Point(Bytes(point.begin(), point.end() - 1)));
  Bytes compressedTag = point;
  compressedTag[0] = 0x02;
  CHECK_FALSE(card::accesscard::objects::isValidP256Point(compressedTag));

  for (std::string_view ok : {"127.0.0.1:7443", "home.example:1", "[::1]:65535", "h:8080"}) {
    CHECK_MESSAGE(card::accesscard::objects::isValidHomeServerAddress(bytesOf(ok)), ok);
  }
  for (std::string_view bad : {"127.0.0.1", ":7443", "host:", "host:0", "host:65536", "host:07443",
                               "host:74a3", "ho\tst:1", "host:123456"}) {
    CHECK_FALSE_MESSAGE(card::accesscard::objects::isValidHomeServerAddress(bytesOf(bad)), bad);
  }
  Bytes longest(250, 'a');  // 250 + ":7443" = 255 bytes
  append(longest, bytesOf(":7443"));
  CHECK(card::accesscard::objects::isValidHomeServerAddress(longest));
  Bytes tooLong(251, 'a');
  append(tooLong, bytesOf(":7443"));
  CHECK_FALSE(card::accesscard::objects::isValidHomeServerAddress(tooLong));

  const Bytes canonical = hexBytes(terminalProfileHex());
  CHECK(card::accesscard::objects::canonicalTerminalProfile(canonical) == canonical);
  // Any order is accepted and stored canonically.
  CHECK(card::accesscard::objects::canonicalTerminalProfile(
            hexBytes("830101 82020014 81020028 800101")) == canonical);
  CHECK_FALSE(
      card::accesscard::objects::canonicalTerminalProfile(hexBytes("800101 81020028 82020014")));
  CHECK_FALSE(card::accesscard::objects::canonicalTerminalProfile(
      hexBytes("800104 81020028 82020014 830101")));
  CHECK_FALSE(card::accesscard::objects::canonicalTerminalProfile(
      hexBytes("800101 81020000 82020014 830101")));
  CHECK_FALSE(card::accesscard::objects::canonicalTerminalProfile(
      hexBytes("800101 810128 82020014 830101")));
  CHECK_FALSE(card::accesscard::objects::canonicalTerminalProfile(
      hexBytes("800101 81020028 82020014 830103")));
  CHECK_FALSE(card::accesscard::objects::canonicalTerminalProfile(
      hexBytes("800101 81020028 82020014 830101 840100")));
  CHECK_FALSE(card::accesscard::objects::canonicalTerminalProfile(
      hexBytes("800101 800101 81020028 82020014 830101")));
}

}  // namespace hp::card::accesscard::test
