// Lifecycle, PINs, PUK and the volatile security state machine.
#include <cstdio>

#include "tests/homecard/test_card.hpp"

using hp::base::toHex;
using hp::card::homecard::test::asciiHex;
using hp::card::homecard::test::kPin1;
using hp::card::homecard::test::kPin2;
using hp::card::homecard::test::kPuk;
using hp::card::homecard::test::norm;
using hp::card::homecard::test::TestCard;

namespace {
std::string withData(std::string_view header, std::string_view ascii) {
  char lc[8];
  std::snprintf(lc, sizeof lc, " %02zX ", ascii.size());
  return std::string(header) + lc + asciiHex(ascii);
}
std::string verify1(std::string_view pin) {
  return withData("00 20 00 81", pin);
}
std::string verify2(std::string_view pin) {
  return withData("00 20 00 82", pin);
}
constexpr size_t kSecurity = 1, kPin1Tries = 2, kPin2Tries = 3, kPukTries = 4;
constexpr uint8_t kInhibited = 0, kStandby = 1, kCrypto = 2;
}  // namespace

TEST_SUITE("pins") {
  TEST_CASE("a new card answers SELECT with its FCI and is in personalization") {
    TestCard card;
    const auto r = card.send("00 A4 04 00 0A F0 48 4F 4D 45 43 41 52 44 01 00");
    CHECK(r.sw == "9000");
    CHECK(toHex(r.data) == norm("6F 14 84 0A F0484F4D454341524401 A5 06 80 01 01 81 01 00"));
    const auto status = card.send("00 CA DF 01 00");
    CHECK(status.sw == "9000");
    CHECK(toHex(status.data) == norm("800101 810100 820103 830103 840103 850100"));
  }

  TEST_CASE("personalization: only initial reference data, ACTIVATE and status work") {
    TestCard card;
    card.select();
    for (const char* apdu :
         {"00 20 00 81 04 31323334", "00 20 00 81", "00 20 00 82",
          "00 2C 01 81 08 3132333435363738", "00 24 00 83 10 31323334353637383132333435363738",
          "00 47 80 01 00", "00 47 81 01 00", "00 22 41 B6 03 840101",
          "00 2A 9E 9A 14 0000000000000000000000000000000000000000 00", "00 DA DF 21 02 3000",
          "00 CA DF 21 00", "80 E6 01 00 00", "80 E4 01 00 01 01"}) {
      CAPTURE(apdu);
      CHECK(card.send(apdu).sw == "6985");
    }
    // RESET SECURITY is harmless in every lifecycle.
    CHECK(card.send("00 20 FF 81").sw == "9000");
    CHECK(card.send("00 20 FF 82").sw == "9000");
    // ACTIVATE needs PIN1, PIN2 and PUK.
    CHECK(card.send("00 44 00 00").sw == "6985");
    CHECK(card.send(withData("00 24 01 81", "123")).sw == "6A80");
    CHECK(card.send(withData("00 24 01 81", "123456789")).sw == "6A80");
    CHECK(card.send(withData("00 24 01 81", "12a4")).sw == "6A80");
    CHECK(card.send("00 24 01 81").sw == "6700");
    CHECK(card.send(withData("00 24 01 81", "1234")).sw == "9000");
    CHECK(card.send(withData("00 24 01 81", std::string(kPin1))).sw == "9000");  // may be redone
    CHECK(card.send("00 44 00 00").sw == "6985");
    CHECK(card.send(withData("00 24 01 82", std::string(kPin2))).sw == "9000");
    CHECK(card.send("00 44 00 00").sw == "6985");
    CHECK(card.send(withData("00 24 01 83", "1234567")).sw == "6A80");
    CHECK(card.send(withData("00 24 01 83", "123456789")).sw == "6A80");
    CHECK(card.send(withData("00 24 01 83", std::string(kPuk))).sw == "9000");
    CHECK(card.send("00 24 02 81 04 31323334").sw == "6A86");
    CHECK(card.send("00 44 00 01").sw == "6A86");
    CHECK(card.send("00 44 00 00 01 00").sw == "6700");
    CHECK(card.send("00 44 00 00").sw == "9000");
    CHECK(card.status(0) == 0x02);
    // Operational for good: no second ACTIVATE, no initial PUK, no PIN change without PIN.
    CHECK(card.send("00 44 00 00").sw == "6985");
    CHECK(card.send(withData("00 24 01 83", std::string(kPuk))).sw == "6985");
    CHECK(card.send(withData("00 24 01 81", "1111")).sw == "6982");
    card.reopen();
    card.select();
    CHECK(card.status(0) == 0x02);
    CHECK(card.send(verify1(kPin1)).sw == "9000");
  }

  TEST_CASE("security states: inhibited -> PIN1 -> standby -> PIN2 -> crypto -> finish") {
    TestCard card;
    card.personalize();
    CHECK(card.status(kSecurity) == kInhibited);
    CHECK(card.send(verify2(kPin2)).sw == "6982");  // PIN2 before PIN1
    CHECK(card.status(kPin2Tries) == 3);            // ...costs no try
    CHECK(card.send("00 20 00 81").sw == "63C3");
    CHECK(card.send("00 20 00 82").sw == "63C3");
    CHECK(card.send(verify1(kPin1)).sw == "9000");
    CHECK(card.status(kSecurity) == kStandby);
    CHECK(card.send("00 20 00 81").sw == "9000");
    CHECK(card.send("00 20 00 82").sw == "63C3");
    CHECK(card.send(verify2(kPin2)).sw == "9000");
    CHECK(card.status(kSecurity) == kCrypto);
    CHECK(card.send("00 20 00 82").sw == "9000");
    CHECK(card.send(verify1(kPin1)).sw == "9000");  // PIN1 again does not lower crypto
    CHECK(card.status(kSecurity) == kCrypto);
    CHECK(card.send("00 20 FF 82").sw == "9000");
    CHECK(card.status(kSecurity) == kStandby);
    CHECK(card.send("00 20 FF 82").sw == "9000");  // idempotent
    CHECK(card.status(kSecurity) == kStandby);
    card.verifyPin2();
    CHECK(card.send("00 20 FF 81").sw == "9000");
    CHECK(card.status(kSecurity) == kInhibited);
    CHECK(card.send("00 20 00 81").sw == "63C3");
    CHECK(card.send("00 20 FF 81 01 00").sw == "6700");
    CHECK(card.send("00 20 FF 83").sw == "6A86");
    CHECK(card.send("00 20 01 81").sw == "6A86");
    CHECK(card.send("00 20 00 83 04 31323334").sw == "6A86");
    // Malformed PINs are refused before the check and cost no try.
    CHECK(card.send(verify1("123")).sw == "6A80");
    CHECK(card.send(verify1("123456789")).sw == "6A80");
    CHECK(card.send(verify1("12 34")).sw == "6A80");
    CHECK(card.status(kPin1Tries) == 3);
    card.verifyPin1();
    CHECK(card.send(verify2("abcd")).sw == "6A80");
    CHECK(card.status(kPin2Tries) == 3);
  }

  TEST_CASE("reset, power-off and deselect drop to inhibited") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    card.verifyPin2();
    card.runtime->reset();
    card.select();
    CHECK(card.status(kSecurity) == kInhibited);
    card.verifyPin1();
    card.verifyPin2();
    card.runtime->powerOff();
    card.runtime->powerOn();
    card.select();
    CHECK(card.status(kSecurity) == kInhibited);
    card.verifyPin1();
    card.select();  // selecting again deselects first
    CHECK(card.status(kSecurity) == kInhibited);
    CHECK(card.send("00 20 00 81").sw == "63C3");
  }

  TEST_CASE("crypto falls back to standby after 10 minutes without a command that uses it") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    card.verifyPin2();
    const std::string sign = "00 2A 9E 9A 20 " + std::string(64, '5') + " 00";
    card.clock.advanceMs(599'999);  // 9:59.999
    CHECK(card.send("00 20 00 82").sw == "9000");
    // A status query (like every read) is no use of the crypto state: the idle time runs on.
    card.clock.advanceMs(1);  // exactly 10:00 since PIN2
    CHECK(card.status(kSecurity) == kStandby);
    // A signature is: it restarts the idle time.
    card.verifyPin2();
    CHECK(card.send("00 47 80 01 00").sw.substr(0, 2) != "69");  // the EC key to sign with
    card.clock.advanceMs(599'999);
    CHECK(card.send(sign).sw == "9000");
    card.clock.advanceMs(599'999);
    CHECK(card.send("80 E6 01 00 00").sw.size() == 4);  // a registry read, whatever it answers
    CHECK(card.status(kSecurity) == kCrypto);
    card.clock.advanceMs(1);  // 10:00 since the signature
    CHECK(card.send("00 20 00 82").sw == "63C3");
    CHECK(card.status(kSecurity) == kStandby);
    CHECK(card.send("00 20 00 81").sw == "9000");  // standby itself does not time out
    card.clock.advanceMinutes(60);
    CHECK(card.status(kSecurity) == kStandby);
    // A signature after the time-out is refused.
    card.verifyPin2();
    card.clock.advanceMinutes(10);
    CHECK(card.send(sign).sw == "6982");
  }

  TEST_CASE("PIN1 try counter: 63C2 63C1 63C0 then 6983 even with the right PIN, across restarts") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    CHECK(card.send(verify1("0000")).sw == "63C2");
    CHECK(card.status(kSecurity) == kInhibited);  // a failed PIN1 withdraws standby
    CHECK(card.send("00 20 00 81").sw == "63C2");
    CHECK(card.send(verify1("0000")).sw == "63C1");
    card.reopen();  // the counter is persistent
    card.select();
    CHECK(card.send("00 20 00 81").sw == "63C1");
    CHECK(card.send(verify1("0000")).sw == "63C0");
    CHECK(card.send(verify1(kPin1)).sw == "6983");
    CHECK(card.send("00 20 00 81").sw == "6983");
    card.reopen();
    card.select();
    CHECK(card.send(verify1(kPin1)).sw == "6983");
    CHECK(card.status(kPin1Tries) == 0);
    // A right PIN after some wrong ones restores the counter.
    TestCard other;
    other.personalize();
    CHECK(other.send(verify1("0000")).sw == "63C2");
    CHECK(other.send(verify1(kPin1)).sw == "9000");
    CHECK(other.status(kPin1Tries) == 3);
  }

  TEST_CASE("PIN2 try counter and block; a wrong PIN2 drops crypto to standby") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    card.verifyPin2();
    CHECK(card.send(verify2("0000")).sw == "63C2");
    CHECK(card.status(kSecurity) == kStandby);
    CHECK(card.send(verify2("0000")).sw == "63C1");
    CHECK(card.send(verify2("0000")).sw == "63C0");
    CHECK(card.send(verify2(kPin2)).sw == "6983");
    CHECK(card.send("00 20 00 82").sw == "6983");
    card.reopen();
    card.select();
    card.verifyPin1();
    CHECK(card.send(verify2(kPin2)).sw == "6983");
    CHECK(card.status(kPin2Tries) == 0);
    CHECK(card.status(kPin1Tries) == 3);
  }

  TEST_CASE("RESET RETRY COUNTER with the PUK unblocks, with or without a new PIN") {
    TestCard card;
    card.personalize();
    for (int i = 0; i < 3; ++i) (void)card.send(verify1("0000"));
    CHECK(card.send(verify1(kPin1)).sw == "6983");
    // Counter only: the old PIN1 works again.
    CHECK(card.send("00 2C 01 81 08" + asciiHex(kPuk)).sw == "9000");
    CHECK(card.status(kPin1Tries) == 3);
    card.verifyPin1();
    // With a new PIN2: the new value works, the old does not.
    card.verifyPin2();
    for (int i = 0; i < 3; ++i) (void)card.send(verify2("0000"));
    CHECK(card.send("00 2C 00 82 0C" + asciiHex(kPuk) + asciiHex("2468")).sw == "9000");
    CHECK(card.status(kPin2Tries) == 3);
    CHECK(card.send(verify2(kPin2)).sw == "63C2");
    CHECK(card.send(verify2("2468")).sw == "9000");
    // Shape errors cost no PUK try.
    CHECK(card.send("00 2C 00 81").sw == "6700");
    CHECK(card.send("00 2C 01 81 07 31323334353637").sw == "6A80");
    CHECK(card.send("00 2C 01 81 09 313233343536373839").sw == "6A80");  // new PIN with P1=01
    CHECK(card.send("00 2C 00 81 0B " + asciiHex(kPuk) + "313233").sw == "6A80");  // 3-digit PIN
    CHECK(card.send("00 2C 00 81 08 " + asciiHex(kPuk)).sw == "6A80");             // no new PIN
    CHECK(card.send("00 2C 02 81 08 " + asciiHex(kPuk)).sw == "6A86");
    CHECK(card.send("00 2C 01 83 08 " + asciiHex(kPuk)).sw == "6A86");
    CHECK(card.status(kPukTries) == 3);
  }

  TEST_CASE("PUK try counter: 63C2 63C1 63C0 then 6983, persistent; a right PUK restores it") {
    TestCard card;
    card.personalize();
    const std::string wrong = "00 2C 01 81 08" + asciiHex("87654321");
    const std::string right = "00 2C 01 81 08" + asciiHex(kPuk);
    CHECK(card.send(wrong).sw == "63C2");
    CHECK(card.send(right).sw == "9000");
    CHECK(card.status(kPukTries) == 3);
    CHECK(card.send(wrong).sw == "63C2");
    CHECK(card.send(wrong).sw == "63C1");
    card.reopen();
    card.select();
    CHECK(card.send(wrong).sw == "63C0");
    CHECK(card.send(right).sw == "6983");
    card.reopen();
    card.select();
    CHECK(card.send("00 2C 00 81 0C" + asciiHex(kPuk) + asciiHex("1111")).sw == "6983");
    CHECK(card.status(kPukTries) == 0);
    CHECK(card.send(verify1(kPin1)).sw == "9000");  // PIN1 untouched
  }

  TEST_CASE("CHANGE REFERENCE DATA in operation: PIN1 needs PIN1, PIN2 needs crypto") {
    TestCard card;
    card.personalize();
    CHECK(card.send(withData("00 24 01 81", "4321")).sw == "6982");
    card.verifyPin1();
    CHECK(card.send(withData("00 24 01 82", "4321")).sw == "6982");
    CHECK(card.send(withData("00 24 01 81", "43")).sw == "6A80");
    CHECK(card.send(withData("00 24 01 81", "87654321")).sw == "9000");
    CHECK(card.send(withData("00 24 00 81", "87654321")).sw == "6A86");
    card.verifyPin2();
    CHECK(card.send(withData("00 24 01 82", "11223344")).sw == "9000");
    card.runtime->reset();
    card.select();
    CHECK(card.send(verify1(kPin1)).sw == "63C2");
    CHECK(card.send(verify1("87654321")).sw == "9000");
    CHECK(card.send(verify2("11223344")).sw == "9000");
  }

  TEST_CASE("CHANGE PUK: old||new checked against the PUK counter") {
    TestCard card;
    card.personalize();
    const std::string change = "00 24 00 83 10";
    CHECK(card.send(change + asciiHex("00000000") + asciiHex("11112222")).sw == "63C2");
    CHECK(card.send("00 24 00 83 08" + asciiHex(kPuk)).sw == "6A80");               // 8 digits
    CHECK(card.send(change + asciiHex(kPuk) + asciiHex("1111222x")).sw == "6A80");  // not digits
    CHECK(card.send("00 24 00 83").sw == "6700");
    CHECK(card.status(kPukTries) == 2);
    CHECK(card.send(change + asciiHex(kPuk) + asciiHex("11112222")).sw == "9000");
    CHECK(card.status(kPukTries) == 3);
    CHECK(card.send("00 2C 01 81 08" + asciiHex(kPuk)).sw == "63C2");
    CHECK(card.send("00 2C 01 81 08" + asciiHex("11112222")).sw == "9000");
    CHECK(card.send("00 24 02 83 08" + asciiHex(kPuk)).sw == "6A86");
  }

  TEST_CASE("class and instruction checks") {
    TestCard card;
    card.personalize();
    CHECK(card.send("00 B0 00 00 00").sw == "6D00");  // READ BINARY: not on this card
    CHECK(card.send("80 20 00 81").sw == "6E00");     // ISO command in the proprietary class
    CHECK(card.send("00 E6 01 00 00").sw == "6E00");  // registry command in the ISO class
    CHECK(card.send("80 5A 00 00").sw == "6D00");
    CHECK(card.send("FF 20 00 81").sw == "6E00");            // runtime: invalid CLA
    CHECK(card.send("00 20 00 81 05 313233").sw == "6700");  // Lc says 5, 3 bytes follow
  }
}
