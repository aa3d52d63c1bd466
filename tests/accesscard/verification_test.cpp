// PIN, biometric and PUK: retry counters, blocking, unblocking and changes.
#include <doctest.h>

#include "tests/accesscard/test_card.hpp"

namespace hp::card::accesscard::test {

TEST_CASE("VERIFY PIN: query, success, 63C2/63C1/63C0/6983, block survives a restart") {
  TestCard c;
  c.personalize();
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");
  CHECK(c.verifyPin("1111").sw == "63C2");
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C2");
  CHECK(c.verifyPin().sw == "9000");  // a match restores the counter
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "9000");
  CHECK(c.status(1) == 0x01);
  CHECK(c.status(2) == 0x03);

  CHECK(c.verifyPin("1111").sw == "63C2");
  CHECK(c.status(1) == 0x00);  // a failed comparison withdraws the unlock
  CHECK(c.verifyPin("11112222").sw == "63C1");
  CHECK(c.verifyPin("0000").sw == "63C0");
  CHECK(c.verifyPin().sw == "6983");
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "6983");
  c.reopen();
  CHECK(c.verifyPin().sw == "6983");
  CHECK(c.status(1) == 0x00);
  CHECK(c.status(2) == 0x00);
}

TEST_CASE("VERIFY PIN: malformed PINs are 6A80 and use no try") {
  TestCard c;
  c.personalize();
  for (std::string_view bad : {"123", "123456789", "12 4", "abcd"}) {
    CHECK_MESSAGE(c.verifyPin(bad).sw == "6A80", bad);
  }
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");
}

TEST_CASE("RESET RETRY COUNTER unblocks the PIN with the PUK, or sets a new one") {
  TestCard c;
  c.personalize();
  for (int i = 0; i < 3; ++i) (void)c.verifyPin("0000");
  CHECK(c.verifyPin().sw == "6983");
  CHECK(c.send(apdu(0x2C, 0x01, 0x81)).sw == "6700");
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex("8765432"))).sw == "6A80");
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex(kPuk) + asciiHex("1"))).sw == "6A80");
  CHECK(c.status(4) == 0x03);
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex("11111111"))).sw == "63C2");
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex(kPuk))).sw == "9000");
  CHECK(c.status(4) == 0x03);  // the PUK counter is restored by the match
  CHECK(c.status(1) == 0x00);  // unblocking is not unlocking
  CHECK(c.verifyPin().sw == "9000");

  CHECK(c.send(apdu(0x2C, 0x00, 0x81, asciiHex(kPuk) + asciiHex("123"))).sw == "6A80");
  CHECK(c.send(apdu(0x2C, 0x00, 0x81, asciiHex(kPuk) + asciiHex("975310"))).sw == "9000");
  CHECK(c.verifyPin().sw == "63C2");
  CHECK(c.verifyPin("975310").sw == "9000");
}

TEST_CASE("PUK: 63C2/63C1/63C0/6983, and the block survives a restart") {
  TestCard c;
  c.personalize();
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex("00000000"))).sw == "63C2");
  CHECK(c.send(apdu(0x2C, 0x01, 0x91, asciiHex("00000000"))).sw == "63C1");
  CHECK(c.send(apdu(0x24, 0x00, 0x83, asciiHex("00000000") + asciiHex("11112222"))).sw == "63C0");
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex(kPuk))).sw == "6983");
  c.reopen();
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex(kPuk))).sw == "6983");
  CHECK(c.status(4) == 0x00);
}

TEST_CASE("CHANGE REFERENCE DATA: PIN when unlocked by PIN, PUK with the old PUK") {
  TestCard c;
  c.personalize();
  CHECK(c.send(apdu(0x24, 0x01, 0x81, asciiHex("5555"))).sw == "6982");  // locked
  REQUIRE(c.verifyPin().sw == "9000");
  CHECK(c.send(apdu(0x24, 0x01, 0x81, asciiHex("55a5"))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x01, 0x81, asciiHex("55555555"))).sw == "9000");
  CHECK(c.verifyPin().sw == "63C2");
  CHECK(c.verifyPin("55555555").sw == "9000");

  const std::string newPuk = asciiHex("11223344");
  CHECK(c.send(apdu(0x24, 0x00, 0x83)).sw == "6700");
  CHECK(c.send(apdu(0x24, 0x00, 0x83, asciiHex(kPuk))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x00, 0x83, asciiHex(kPuk) + asciiHex("1122334"))).sw == "6A80");
  CHECK(c.send(apdu(0x24, 0x00, 0x83, asciiHex("99999999") + newPuk)).sw == "63C2");
  CHECK(c.send(apdu(0x24, 0x00, 0x83, asciiHex(kPuk) + newPuk)).sw == "9000");
  CHECK(c.status(4) == 0x03);
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, asciiHex(kPuk))).sw == "63C2");
  CHECK(c.send(apdu(0x2C, 0x01, 0x81, newPuk)).sw == "9000");
}

TEST_CASE("VERIFY BIOMETRIC: distance 0 and exactly T unlock, T+1 fails and counts") {
  TestCard c;
  c.personalize();
  CHECK(c.verifyBio(sampleAtDistance(0)).sw == "9000");
  CHECK(c.status(1) == 0x02);
  CHECK(c.send(apdu(0x20, 0xFF, 0x81)).sw == "9000");
  CHECK(c.verifyBio(sampleAtDistance(kThreshold)).sw == "9000");
  CHECK(c.status(1) == 0x02);
  CHECK(c.verifyBio(sampleAtDistance(kThreshold + 1)).sw == "63C2");
  CHECK(c.status(1) == 0x00);
  CHECK(c.status(3) == 0x02);
  CHECK(c.verifyBio(sampleAtDistance(3)).sw == "9000");
  CHECK(c.status(3) == 0x03);
}

TEST_CASE("VERIFY BIOMETRIC: malformed samples are 6A80 and use no try") {
  TestCard c;
  c.personalize();
  CHECK(c.verifyBio(Bytes(31, 0x11)).sw == "6A80");
  CHECK(c.verifyBio(Bytes(33, 0x11)).sw == "6A80");
  CHECK(c.send(apdu(0x21, 0x00, 0x91, enrollmentHex(hexBytes(kTemplateHex), 3))).sw == "6A80");
  CHECK(c.send(apdu(0x21, 0x00, 0x91, toHex(hexBytes(kTemplateHex)))).sw == "6A80");
  CHECK(c.send(apdu(0x21, 0x00, 0x91)).sw == "6700");
  CHECK(c.status(3) == 0x03);
}

TEST_CASE("VERIFY BIOMETRIC: blocking, restart, unblocking with the PUK") {
  TestCard c;
  c.personalize();
  const Bytes far = sampleAtDistance(100);
  CHECK(c.verifyBio(far).sw == "63C2");
  CHECK(c.verifyBio(far).sw == "63C1");
  CHECK(c.verifyBio(far).sw == "63C0");
  CHECK(c.verifyBio(sampleAtDistance(0)).sw == "6983");
  c.reopen();
  CHECK(c.verifyBio(sampleAtDistance(0)).sw == "6983");
  CHECK(c.status(1) == 0x00);
  // The PIN is independent of the biometric.
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");
  CHECK(c.send(apdu(0x2C, 0x01, 0x91, asciiHex("12345678"))).sw == "63C2");
  CHECK(c.send(apdu(0x2C, 0x01, 0x91, asciiHex(kPuk))).sw == "9000");
  CHECK(c.verifyBio(sampleAtDistance(0)).sw == "9000");
}

TEST_CASE("VERIFY BIOMETRIC and its unblocking need an enrolled template (6A88)") {
  TestCard c;
  REQUIRE(c.send(apdu(0x24, 0x01, 0x81, asciiHex(kPin))).sw == "9000");
  REQUIRE(c.send(apdu(0x24, 0x01, 0x83, asciiHex(kPuk))).sw == "9000");
  REQUIRE(c.send(apdu(0x47, 0x80, 0x01, "", 256)).sw == "9000");
  REQUIRE(c.send(apdu(0xDA, 0xDF, 0x30, asciiHex("t"))).sw == "9000");
  REQUIRE(c.send(apdu(0xDA, 0xDF, 0x31, toHex(homeServerPoint()))).sw == "9000");
  REQUIRE(c.send(apdu(0xDA, 0xDF, 0x32, asciiHex("h:1"))).sw == "9000");
  REQUIRE(c.send(apdu(0x44, 0x00, 0x00)).sw == "9000");
  CHECK(c.verifyBio(sampleAtDistance(0)).sw == "6A88");
  CHECK(c.send(apdu(0x2C, 0x01, 0x91, asciiHex(kPuk))).sw == "6A88");
  CHECK(c.status(4) == 0x03);
  // Enrolling later needs a PIN unlock.
  const std::string enrollment = enrollmentHex(hexBytes(kTemplateHex), 10);
  CHECK(c.send(apdu(0x24, 0x01, 0x91, enrollment)).sw == "6982");
  REQUIRE(c.verifyPin().sw == "9000");
  CHECK(c.send(apdu(0x24, 0x01, 0x91, enrollment)).sw == "9000");
  CHECK(c.verifyBio(sampleAtDistance(10)).sw == "9000");
  CHECK(c.verifyBio(sampleAtDistance(11)).sw == "63C2");
}

}  // namespace hp::card::accesscard::test
