// Terminal key generation, signatures, and the data objects.
#include <doctest.h>

#include "base/ec_key.hpp"
#include "tests/accesscard/test_card.hpp"

namespace hp::card::accesscard::test {

namespace {
// 7F49 43 86 41 <65-byte point> -> the point
Bytes pointOf(const Bytes& publicKeyObject) {
  REQUIRE(publicKeyObject.size() == 70);
  REQUIRE(toHex(ByteView(publicKeyObject).first(5)) == "7F49438641");
  return Bytes(publicKeyObject.begin() + 5, publicKeyObject.end());
}
}  // namespace

TEST_CASE("signatures verify against the public key read back, for every hash size") {
  TestCard c;
  c.personalize();
  const Reply pub = c.send(apdu(0x47, 0x81, 0x01, "", 256));
  REQUIRE(pub.sw == "9000");
  const Bytes point = pointOf(pub.data);
  REQUIRE(c.verifyPin().sw == "9000");
  for (size_t size : {20, 28, 32, 48, 64}) {
    const Bytes hash = c.rng->bytes(size);
    const Reply sig = c.send(apdu(0x2A, 0x9E, 0x9A, toHex(hash), 256));
    CAPTURE(size);
    REQUIRE(sig.sw == "9000");
    CHECK(base::verifyEcdsaP256(point, hash, sig.data));
    Bytes other = hash;
    other[0] ^= 1;
    CHECK_FALSE(base::verifyEcdsaP256(point, other, sig.data));
  }
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9A, toHex(Bytes(31, 1)), 256)).sw == "6A80");
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9A, toHex(Bytes(65, 1)), 256)).sw == "6A80");
  CHECK(c.send(apdu(0x2A, 0x9E, 0x9A, "", 256)).sw == "6700");
  // A short Le gets the signature through 61xx, never by signing again.
  const Bytes hash = c.rng->bytes(32);
  const Reply chunked = c.transceive(apdu(0x2A, 0x9E, 0x9A, toHex(hash), 8));
  CHECK(chunked.sw == "9000");
  CHECK(base::verifyEcdsaP256(point, hash, chunked.data));
}

TEST_CASE("the terminal key survives a restart; a new key needs a PIN unlock") {
  TestCard c;
  c.personalize();
  const Bytes before = pointOf(c.send(apdu(0x47, 0x81, 0x01, "", 256)).data);
  c.reopen();
  CHECK(pointOf(c.send(apdu(0x47, 0x81, 0x01, "", 256)).data) == before);
  REQUIRE(c.verifyBio(sampleAtDistance(0)).sw == "9000");
  const Bytes hash = c.rng->bytes(32);
  const Reply sig = c.send(apdu(0x2A, 0x9E, 0x9A, toHex(hash), 256));
  CHECK(base::verifyEcdsaP256(before, hash, sig.data));

  REQUIRE(c.verifyPin().sw == "9000");
  CHECK(c.send(apdu(0x47, 0x80, 0x01, "00")).sw == "6700");
  const Reply generated = c.send(apdu(0x47, 0x80, 0x01, "", 256));
  REQUIRE(generated.sw == "9000");
  const Bytes after = pointOf(generated.data);
  CHECK(after != before);
  CHECK(pointOf(c.send(apdu(0x47, 0x81, 0x01, "", 256)).data) == after);
  const Reply sig2 = c.send(apdu(0x2A, 0x9E, 0x9A, toHex(hash), 256));
  CHECK(base::verifyEcdsaP256(after, hash, sig2.data));
  CHECK(c.send(apdu(0x47, 0x81, 0x01, "00")).sw == "6700");
}

TEST_CASE("a failing random generator gives 6F00 and changes nothing") {
  TestCard c;
  c.personalize();
  const Reply key = c.send(apdu(0x47, 0x81, 0x01, "", 256));
  REQUIRE(c.verifyPin().sw == "9000");
  const Bytes image = *c.storage.image();
  c.rng->failing = true;
  CHECK(c.send(apdu(0x47, 0x80, 0x01, "", 256)).sw == "6F00");
  CHECK(c.send(apdu(0x24, 0x01, 0x81, asciiHex("1357"))).sw == "6F00");
  CHECK(c.send(apdu(0x2C, 0x00, 0x81, asciiHex(kPuk) + asciiHex("1357"))).sw == "6F00");
  CHECK(c.send(apdu(0x24, 0x00, 0x83, asciiHex(kPuk) + asciiHex("11112222"))).sw == "6F00");
  c.rng->failing = false;
  CHECK(c.send(apdu(0x47, 0x81, 0x01, "", 256)).data == key.data);
  CHECK(c.applet->state().pin == AccessCardState::deserialize(image)->pin);
  CHECK(c.applet->state().puk == AccessCardState::deserialize(image)->puk);
  CHECK(c.verifyPin().sw == "9000");
}

TEST_CASE("GET DATA: ID, home key and address only when unlocked; profile and status always") {
  TestCard c;
  c.personalize();
  for (uint8_t tag : {0x30, 0x31, 0x32}) CHECK(c.send(apdu(0xCA, 0xDF, tag, "", 256)).sw == "6982");
  const Reply profile = c.send(apdu(0xCA, 0xDF, 0x33, "", 256));
  CHECK(profile.sw == "9000");
  CHECK(toHex(profile.data) == toHex(hexBytes(terminalProfileHex())));
  CHECK(c.send(apdu(0xCA, 0xDF, 0x33, "00", 256)).sw == "6700");

  REQUIRE(c.verifyBio(sampleAtDistance(1)).sw == "9000");
  CHECK(c.send(apdu(0xCA, 0xDF, 0x30, "", 256)).data == bytesOf("terminal-01"));
  CHECK(c.send(apdu(0xCA, 0xDF, 0x31, "", 256)).data == homeServerPoint());
  CHECK(c.send(apdu(0xCA, 0xDF, 0x32, "", 256)).data == bytesOf("127.0.0.1:7443"));
  // Reads are idempotent: a short Le is answered 6Cxx with the exact length.
  CHECK(c.send(apdu(0xCA, 0xDF, 0x30, "", 5)).sw == "6C0B");
}

TEST_CASE("PUT DATA validates every object and replaces it when unlocked by PIN") {
  TestCard c;
  CHECK(c.send(apdu(0xDA, 0xDF, 0x30)).sw == "6700");
  CHECK(c.send(apdu(0xDA, 0xDF, 0x30, toHex(Bytes(33, 'a')))).sw == "6A80");
  Bytes offCurve = homeServerPoint();
  offCurve[40] ^= 0x10;
  CHECK(c.send(apdu(0xDA, 0xDF, 0x31, toHex(offCurve))).sw == "6A80");
  CHECK(c.send(apdu(0xDA, 0xDF, 0x32, asciiHex("no-port"))).sw == "6A80");
  CHECK(c.send(apdu(0xDA, 0xDF, 0x33, "800101 81020028 82020014")).sw == "6A80");
  CHECK(c.status(5) == 0x00);
  c.personalize();
  REQUIRE(c.verifyPin().sw == "9000");
  CHECK(c.send(apdu(0xDA, 0xDF, 0x30, toHex(Bytes(32, 'z')))).sw == "9000");
  CHECK(c.send(apdu(0xCA, 0xDF, 0x30, "", 256)).data == Bytes(32, 'z'));
  CHECK(c.send(apdu(0xDA, 0xDF, 0x33, "830102 82020030 81020050 800102")).sw == "9000");
  CHECK(toHex(c.send(apdu(0xCA, 0xDF, 0x33, "", 256)).data) ==
        "80010281020050820200308301"
        "02");
  CHECK(c.send(apdu(0xDA, 0xDF, 0x32, asciiHex("home.example.org:443"))).sw == "9000");
  c.reopen();
  REQUIRE(c.verifyPin().sw == "9000");
  CHECK(c.send(apdu(0xCA, 0xDF, 0x32, "", 256)).data == bytesOf("home.example.org:443"));
}

}  // namespace hp::card::accesscard::test
