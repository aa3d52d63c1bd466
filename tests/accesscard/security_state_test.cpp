// The volatile security state: LOCK, idle time-out, reset, deselect, and what each unlock allows.
#include <doctest.h>

#include "tests/accesscard/test_card.hpp"

namespace hp::card::accesscard::test {

TEST_CASE("LOCK (00 20 FF 81) returns to locked from either unlock, in any state") {
  TestCard c;
  CHECK(c.send(apdu(0x20, 0xFF, 0x81)).sw == "9000");  // personalization too
  c.personalize();
  CHECK(c.send(apdu(0x20, 0xFF, 0x81)).sw == "9000");  // already locked
  REQUIRE(c.verifyPin().sw == "9000");
  CHECK(c.send(apdu(0x20, 0xFF, 0x81, "00")).sw == "6700");
  CHECK(c.status(1) == 0x01);
  CHECK(c.send(apdu(0x20, 0xFF, 0x81)).sw == "9000");
  CHECK(c.status(1) == 0x00);
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");
  REQUIRE(c.verifyBio(sampleAtDistance(0)).sw == "9000");
  CHECK(c.send(apdu(0x20, 0xFF, 0x81)).sw == "9000");
  CHECK(c.status(1) == 0x00);
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9A, toHex(Bytes(32, 1)), 256)).sw == "6982");
}

TEST_CASE("idle lock: unlocked at 9:59 without an APDU, locked at 10:00") {
  TestCard c;
  c.personalize();
  REQUIRE(c.verifyPin().sw == "9000");
  c.clock.advanceMs(AccessCardApplet::kIdleLockMs - 1000);  // 9:59
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "9000");
  // That APDU was activity: the ten minutes start again from it.
  c.clock.advanceMs(AccessCardApplet::kIdleLockMs - 1);
  CHECK(c.status(1) == 0x01);
  c.clock.advanceMs(AccessCardApplet::kIdleLockMs);  // exactly 10:00
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");
  CHECK(c.status(1) == 0x00);

  REQUIRE(c.verifyBio(sampleAtDistance(0)).sw == "9000");
  c.clock.advanceMinutes(10);
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9A, toHex(Bytes(32, 1)), 256)).sw == "6982");
  CHECK(c.status(1) == 0x00);
}

TEST_CASE("reset, power-off and a new SELECT lock the card") {
  TestCard c;
  c.personalize();
  REQUIRE(c.verifyPin().sw == "9000");
  c.runtime->reset();
  c.select();
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");

  REQUIRE(c.verifyBio(sampleAtDistance(0)).sw == "9000");
  c.runtime->powerOff();
  c.runtime->powerOn();
  c.select();
  CHECK(c.status(1) == 0x00);

  REQUIRE(c.verifyPin().sw == "9000");
  c.select();  // deselect + select
  CHECK(c.status(1) == 0x00);
}

TEST_CASE("a biometric unlock signs and reads, but cannot administer the card") {
  TestCard c;
  c.personalize();
  REQUIRE(c.verifyBio(sampleAtDistance(5)).sw == "9000");
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");  // the PIN itself is not verified
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9A, toHex(Bytes(32, 1)), 256)).sw == "9000");
  CHECK(c.send(apdu(0xCA, 0xDF, 0x30, "", 256)).sw == "9000");
  CHECK(c.send(apdu(0x24, 0x01, 0x81, asciiHex("1357"))).sw == "6982");
  CHECK(c.send(apdu(0x24, 0x01, 0x91, enrollmentHex(sampleAtDistance(90), 0))).sw == "6982");
  CHECK(c.send(apdu(0x47, 0x80, 0x01, "", 256)).sw == "6982");
  CHECK(c.send(apdu(0xDA, 0xDF, 0x30, asciiHex("other"))).sw == "6982");
  CHECK(c.status(1) == 0x02);
  CHECK(c.verifyPin().sw == "9000");
  CHECK(c.status(1) == 0x01);
}

TEST_CASE("locked operational card refuses administration with 6982") {
  TestCard c;
  c.personalize();
  CHECK(c.send(apdu(0x47, 0x80, 0x01, "", 256)).sw == "6982");
  CHECK(c.send(apdu(0xDA, 0xDF, 0x33, terminalProfileHex())).sw == "6982");
  CHECK(c.send(apdu(0x24, 0x01, 0x91, enrollmentHex(hexBytes(kTemplateHex), 1))).sw == "6982");
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9A, toHex(Bytes(32, 1)), 256)).sw == "6982");
}

}  // namespace hp::card::accesscard::test
