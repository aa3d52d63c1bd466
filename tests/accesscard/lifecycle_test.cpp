// SELECT, personalization, ACTIVATE and the status object.
#include <doctest.h>

#include "card/runtime/atr.hpp"
#include "protocol/apdu/command_apdu.hpp"
#include "tests/accesscard/test_card.hpp"

namespace hp::card::accesscard::test {

TEST_CASE("ATR and SELECT answer with the FCI of the access card") {
  CHECK(accessCardAtr() == card::runtime::makeAtr("ACCESSCARD"));
  TestCard c;
  const Reply r =
      c.send(protocol::apdu::encodeCommandApdu(0x00, 0xA4, 0x04, 0x00, kAccessCardAid, 256));
  CHECK(r.sw == "9000");
  CHECK(toHex(r.data) ==
        "6F16840CF041434345535343415244"
        "01A506800101810100");
}

TEST_CASE("a fresh card is in personalization with nothing set") {
  TestCard c;
  const Reply r = c.send(apdu(0xCA, 0xDF, 0x01, "", 256));
  CHECK(r.sw == "9000");
  CHECK(toHex(r.data) == "800101810100820103830103840103850100");
}

TEST_CASE("personalization: verification and PUK commands wait for ACTIVATE") {
  TestCard c;
  CHECK(c.verifyPin().sw == "6985");
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "6985");
  CHECK(c.verifyBio(sampleAtDistance(0)).sw == "6985");
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex(kPuk))).sw == "6985");
  CHECK(c.send(apdu(0x24, 0x00, 0x83, asciiHex(kPuk) + asciiHex("11112222"))).sw == "6985");
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9A, toHex(Bytes(32, 1)), 256)).sw == "6982");
  CHECK(c.send(apdu(0xCA, 0xDF, 0x30, "", 256)).sw == "6982");
  CHECK(c.send(apdu(0xCA, 0xDF, 0x33, "", 256)).sw == "6A88");
  CHECK(c.send(apdu(0x47, 0x81, 0x01, "", 256)).sw == "6A88");
}

TEST_CASE("ACTIVATE needs PIN, PUK, key, terminal ID, home key and address") {
  TestCard c;
  const std::vector<std::pair<std::string, Bytes>> steps = {
      {"PIN", apdu(0x24, 0x01, 0x81, asciiHex(kPin))},
      {"PUK", apdu(0x24, 0x01, 0x83, asciiHex(kPuk))},
      {"key", apdu(0x47, 0x80, 0x01, "", 256)},
      {"terminal ID", apdu(0xDA, 0xDF, 0x30, asciiHex("terminal-01"))},
      {"home key", apdu(0xDA, 0xDF, 0x31, toHex(homeServerPoint()))},
      {"home address", apdu(0xDA, 0xDF, 0x32, asciiHex("127.0.0.1:7443"))},
  };
  for (const auto& step : steps) {
    INFO("before setting the ", step.first);
    CHECK(c.send(apdu(0x44, 0x00, 0x00)).sw == "6985");
    CHECK(c.send(step.second).sw == "9000");
  }
  CHECK(c.send(apdu(0x44, 0x00, 0x01)).sw == "6A86");
  CHECK(c.send(apdu(0x44, 0x00, 0x00, "00")).sw == "6700");
  CHECK(c.send(apdu(0x44, 0x00, 0x00)).sw == "9000");
  CHECK(c.status(0) == 0x02);
  CHECK(c.send(apdu(0x44, 0x00, 0x00)).sw == "6985");  // one way only
  // The template and the profile are optional.
  CHECK(c.status(5) == 0x1D);
  c.reopen();
  CHECK(c.status(0) == 0x02);
}

TEST_CASE("personalization sets PIN, PUK, template and data objects without a PIN") {
  TestCard c;
  CHECK(c.send(apdu(0x24, 0x01, 0x81, asciiHex("123"))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x01, 0x81, asciiHex("123456789"))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x01, 0x81, asciiHex("12a4"))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x01, 0x81)).sw == "6700");
  CHECK(c.send(apdu(0x24, 0x01, 0x83, asciiHex("1234567"))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x01, 0x91, enrollmentHex(hexBytes(kTemplateHex), 129))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x01, 0x91, sampleHex(hexBytes(kTemplateHex)))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x02, 0x81, asciiHex(kPin))).sw == "6A86");
  CHECK(c.status(5) == 0x00);
  c.personalize();
  CHECK(toHex(c.send(apdu(0xCA, 0xDF, 0x01, "", 256)).data) ==
        "800102810100820103830103840103850"
        "13F");
  // Once operational, the initial PUK form is refused.
  CHECK(c.send(apdu(0x24, 0x01, 0x83, asciiHex(kPuk))).sw == "6985");
}

TEST_CASE("unknown instructions, classes and parameters") {
  TestCard c;
  c.personalize();
  CHECK(c.send(apdu(0x58, 0x00, 0x00)).sw == "6D00");
  // The channel commands exist only in the proprietary class, the ISO ones only in CLA 0x.
  CHECK(c.send(apdu(0x50, 0x00, 0x00)).sw == "6E00");
  CHECK(c.send(apdu(0x52, 0x00, 0x00)).sw == "6E00");
  CHECK(c.send(apdu(0x54, 0x00, 0x00)).sw == "6E00");
  CHECK(c.send(apdu(0x56, 0x00, 0x00)).sw == "6E00");
  CHECK(c.send(protocol::apdu::encodeCommandApdu(0x80, 0xCA, 0xDF, 0x01, {}, 256)).sw == "6E00");
  CHECK(c.send(apdu(0xB0, 0x00, 0x00, "", 10)).sw == "6D00");
  CHECK(c.send(protocol::apdu::encodeCommandApdu(0x80, 0x20, 0x00, 0x81, bytesOf(kPin), 0)).sw ==
        "6E00");
  CHECK(c.send(apdu(0x20, 0x00, 0x82, asciiHex(kPin))).sw == "6A86");
  CHECK(c.send(apdu(0x21, 0x00, 0x81, sampleHex(sampleAtDistance(0)))).sw == "6A86");
  CHECK(c.send(apdu(0x2C, 0x02, 0x81, asciiHex(kPuk))).sw == "6A86");
  CHECK(c.send(apdu(0x47, 0x80, 0x02, "", 256)).sw == "6A86");
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9B, toHex(Bytes(32, 1)), 256)).sw == "6A86");
  CHECK(c.send(apdu(0xDA, 0xDF, 0x35, "01")).sw == "6A86");
  CHECK(c.send(apdu(0xCA, 0xDF, 0x02, "", 256)).sw == "6A86");
}

}  // namespace hp::card::accesscard::test
