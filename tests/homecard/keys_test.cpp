// On-card key pairs, MANAGE SECURITY ENVIRONMENT and signatures (verified on the host side).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "base/ec_key.hpp"
#include "base/rsa_key.hpp"
#include "base/tlv.hpp"
#include "tests/homecard/test_card.hpp"

using hp::base::Bytes;
using hp::base::toHex;
using hp::card::homecard::test::cardWithKeysImage;
using hp::card::homecard::test::TestCard;

namespace {
struct RsaPublic {
  Bytes modulus, exponent;
};

Bytes ecPointOf(const Bytes& keyTemplate) {
  REQUIRE(keyTemplate.size() == 70);
  CHECK(toHex(Bytes(keyTemplate.begin(), keyTemplate.begin() + 5)) == "7F49438641");
  CHECK(keyTemplate[5] == 0x04);
  return Bytes(keyTemplate.begin() + 5, keyTemplate.end());
}

Bytes readEcPoint(TestCard& card) {
  const auto r = card.transceive("00 47 81 01 00");
  REQUIRE(r.sw == "9000");
  return ecPointOf(r.data);
}

RsaPublic rsaPublicOf(const Bytes& keyTemplate) {
  const auto outer = hp::base::parseTlvs(keyTemplate);
  REQUIRE(outer.has_value());
  REQUIRE(outer->size() == 1);
  REQUIRE((*outer)[0].tag == 0x7F49);
  const auto inner = hp::base::parseTlvs((*outer)[0].value);
  REQUIRE(inner.has_value());
  REQUIRE(inner->size() == 2);
  const Bytes* n = hp::base::findTlv(*inner, 0x81);
  const Bytes* e = hp::base::findTlv(*inner, 0x82);
  REQUIRE(n != nullptr);
  REQUIRE(e != nullptr);
  CHECK(n->size() == 256);
  CHECK(toHex(*e) == "010001");
  return {*n, *e};
}

RsaPublic readRsa(TestCard& card) {
  const auto r = card.transceive("00 47 81 02 00");
  REQUIRE(r.sw == "9000");
  return rsaPublicOf(r.data);
}

hp::card::homecard::test::Reply sign(TestCard& card, const Bytes& hash) {
  return card.transceive(hp::protocol::apdu::encodeCommandApdu(0x00, 0x2A, 0x9E, 0x9A, hash, 256));
}

// A personalized card with both keys, selected, in crypto.
TestCard cryptoCardWithKeys() {
  TestCard card(cardWithKeysImage());
  card.select();
  card.verifyPin1();
  card.verifyPin2();
  return card;
}
}  // namespace

TEST_SUITE("keys") {
  TEST_CASE("GENERATE needs crypto; READ PUBLIC KEY needs a key; bad P1/P2 and length") {
    TestCard card;
    card.personalize();
    CHECK(card.send("00 47 81 01 00").sw == "6A88");
    CHECK(card.send("00 47 81 02 00").sw == "6A88");
    CHECK(card.send("00 47 80 01 00").sw == "6982");
    card.verifyPin1();
    CHECK(card.send("00 47 80 01 00").sw == "6982");
    card.verifyPin2();
    CHECK(card.send("00 47 80 03 00").sw == "6A86");
    CHECK(card.send("00 47 82 01 00").sw == "6A86");
    CHECK(card.send("00 47 81 00 00").sw == "6A86");
    CHECK(card.send("00 47 80 01 01 00 00").sw == "6700");
    CHECK(card.status(5) == 0x00);
  }

  TEST_CASE("EC key: generate, read back, sign with every hash length, verify; survives restart") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    card.verifyPin2();
    const auto generated = card.send("00 47 80 01 00");
    REQUIRE(generated.sw == "9000");
    const Bytes point = readEcPoint(card);
    CHECK(ecPointOf(generated.data) == point);
    CHECK(card.status(5) == 0x01);
    for (size_t length : {20u, 28u, 32u, 48u, 64u}) {
      CAPTURE(length);
      const Bytes hash(length, static_cast<uint8_t>(length));
      const auto r = sign(card, hash);
      REQUIRE(r.sw == "9000");
      CHECK(hp::base::verifyEcdsaP256(point, hash, r.data));
      Bytes other = hash;
      other[0] ^= 1;
      CHECK_FALSE(hp::base::verifyEcdsaP256(point, other, r.data));
    }
    CHECK(sign(card, Bytes(31, 1)).sw == "6A80");
    CHECK(sign(card, Bytes(65, 1)).sw == "6A80");
    CHECK(card.send("00 2A 9E 9A 00").sw == "6700");  // case 2: no hash at all
    CHECK(card.send("00 2A 9E 9B 14 " + std::string(40, '0') + " 00").sw == "6A86");
    // READ PUBLIC KEY works in any security state.
    CHECK(card.send("00 20 FF 81").sw == "9000");
    CHECK(readEcPoint(card) == point);
    CHECK(sign(card, Bytes(32, 7)).sw == "6982");
    // After a restart the key is rebuilt from storage and signs for the same point.
    card.reopen();
    card.select();
    CHECK(readEcPoint(card) == point);
    card.verifyPin1();
    card.verifyPin2();
    const Bytes hash(32, 0x42);
    const auto r = sign(card, hash);
    REQUIRE(r.sw == "9000");
    CHECK(hp::base::verifyEcdsaP256(point, hash, r.data));
  }

  TEST_CASE("a generated key is not idempotent: a short Le gives 61xx, never 6Cxx") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    card.verifyPin2();
    const auto first = card.send("00 47 80 01 10");
    CHECK(first.sw == "6136");
    CHECK(first.data.size() == 16);
    const auto rest = card.send("00 C0 00 00 36");
    CHECK(rest.sw == "9000");
    Bytes all = first.data;
    hp::base::append(all, rest.data);
    CHECK(ecPointOf(all) == readEcPoint(card));
    // A read is idempotent: 6Cxx with the exact length.
    CHECK(card.send("00 47 81 01 10").sw == "6C46");
  }

  TEST_CASE("GENERATE replaces the key and deletes only that key's certificate") {
    TestCard card = cryptoCardWithKeys();
    const Bytes oldPoint = readEcPoint(card);
    const RsaPublic rsa = readRsa(card);
    CHECK(card.send("00 DA DF 21 04 30 02 05 00").sw == "9000");
    CHECK(card.send("00 DA DF 22 04 30 02 05 01").sw == "9000");
    CHECK(card.transceive("00 47 80 01 00").sw == "9000");
    const Bytes newPoint = readEcPoint(card);
    CHECK(newPoint != oldPoint);
    CHECK(card.send("00 CA DF 21 00").sw == "6A88");
    CHECK(toHex(card.send("00 CA DF 22 00").data) == "30020501");
    CHECK(readRsa(card).modulus == rsa.modulus);
    // The live key follows the state: the signature verifies with the new point only.
    const Bytes hash(32, 0x11);
    const auto r = sign(card, hash);
    REQUIRE(r.sw == "9000");
    CHECK(hp::base::verifyEcdsaP256(newPoint, hash, r.data));
    CHECK_FALSE(hp::base::verifyEcdsaP256(oldPoint, hash, r.data));
  }

  TEST_CASE("RSA-2048: read back, sign PKCS#1 v1.5 with every hash length, verify") {
    TestCard card = cryptoCardWithKeys();
    CHECK(card.status(5) == 0x03);
    const RsaPublic rsa = readRsa(card);
    CHECK(card.send("00 22 41 B6 03 84 01 02").sw == "9000");
    for (size_t length : {20u, 28u, 32u, 48u, 64u}) {
      CAPTURE(length);
      const Bytes hash(length, static_cast<uint8_t>(0xA0 + length));
      const auto r = sign(card, hash);
      REQUIRE(r.sw == "9000");
      CHECK(r.data.size() == 256);
      CHECK(hp::base::verifyRsaPkcs1(rsa.modulus, rsa.exponent, hash, r.data));
      Bytes other = hash;
      other.back() ^= 1;
      CHECK_FALSE(hp::base::verifyRsaPkcs1(rsa.modulus, rsa.exponent, other, r.data));
    }
    // Le = 00 (256) is exactly one short response; a smaller Le chains with 61xx.
    const Bytes hash(32, 0x33);
    const auto part =
        card.send(hp::protocol::apdu::encodeCommandApdu(0x00, 0x2A, 0x9E, 0x9A, hash, 0x80));
    CHECK(part.sw == "6180");
    CHECK(part.data.size() == 0x80);
  }

  TEST_CASE("MANAGE SECURITY ENVIRONMENT: key selection, errors, default EC after reset") {
    TestCard card = cryptoCardWithKeys();
    const Bytes ecPoint = readEcPoint(card);
    const RsaPublic rsa = readRsa(card);
    CHECK(card.send("00 22 41 B6 03 84 01 03").sw == "6A88");
    CHECK(card.send("00 22 41 B6 03 83 01 01").sw == "6A80");
    CHECK(card.send("00 22 41 B6 04 84 02 01 01").sw == "6A80");
    CHECK(card.send("00 22 41 B6 06 84 01 01 84 01 02").sw == "6A80");
    CHECK(card.send("00 22 41 B6 02 84 05").sw == "6A80");
    CHECK(card.send("00 22 41 B6").sw == "6700");
    CHECK(card.send("00 22 41 A4 03 84 01 01").sw == "6A86");
    CHECK(card.send("00 22 41 B6 03 84 01 02").sw == "9000");
    const Bytes hash(32, 0x44);
    auto r = sign(card, hash);
    REQUIRE(r.sw == "9000");
    CHECK(hp::base::verifyRsaPkcs1(rsa.modulus, rsa.exponent, hash, r.data));
    card.runtime->reset();
    card.select();
    card.verifyPin1();
    card.verifyPin2();
    r = sign(card, hash);
    REQUIRE(r.sw == "9000");
    CHECK(hp::base::verifyEcdsaP256(ecPoint, hash, r.data));
    // MSE works in any security state but only names keys that exist.
    CHECK(card.send("00 20 FF 81").sw == "9000");
    CHECK(card.send("00 22 41 B6 03 84 01 02").sw == "9000");
    TestCard fresh;
    fresh.personalize();
    CHECK(fresh.send("00 22 41 B6 03 84 01 01").sw == "6A88");
    fresh.verifyPin1();
    fresh.verifyPin2();
    CHECK(sign(fresh, hash).sw == "6A88");
  }

  TEST_CASE("an ECDSA P-256 signature takes well under 2 ms of card time") {
    TestCard card = cryptoCardWithKeys();
    Bytes apdu =
        hp::protocol::apdu::encodeCommandApdu(0x00, 0x2A, 0x9E, 0x9A, Bytes(32, 0x5A), 256);
    for (int i = 0; i < 10; ++i) REQUIRE(card.send(apdu).sw == "9000");  // warm-up
    std::vector<double> us;
    for (int i = 0; i < 200; ++i) {
      apdu[5] = static_cast<uint8_t>(i);
      const auto t0 = std::chrono::steady_clock::now();
      const auto r = card.send(apdu);
      const auto t1 = std::chrono::steady_clock::now();
      REQUIRE(r.sw == "9000");
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::sort(us.begin(), us.end());
    const double median = us[us.size() / 2];
    std::printf("homecard tests: ECDSA P-256 PSO:CDS median %.0f us, p90 %.0f us\n", median,
                us[us.size() * 9 / 10]);
    CHECK(median < 2000.0);
  }
}
