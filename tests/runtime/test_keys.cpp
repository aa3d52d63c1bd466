// EcKeyPair and RsaKeyPair: sign and verify, rebuild from stored private parts, and refusals.
#include <doctest.h>

#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "base/rsa_key.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using namespace hp::base;

TEST_CASE("P-256: sign and verify, tampering detected") {
  auto rng = makeSeededRng(10);
  auto key = EcKeyPair::generate(*rng);
  REQUIRE(key.ok());
  const Bytes point = key.value()->publicPoint();
  REQUIRE(point.size() == EcKeyPair::kPointSize);
  CHECK(point[0] == 0x04);
  const Bytes hash = rng->bytes(32);
  auto sig = key.value()->signHash(hash, *rng);
  REQUIRE(sig.ok());
  CHECK(sig.value()[0] == 0x30);  // DER SEQUENCE
  CHECK(verifyEcdsaP256(point, hash, sig.value()));

  Bytes otherHash = hash;
  otherHash[0] ^= 1;
  CHECK_FALSE(verifyEcdsaP256(point, otherHash, sig.value()));
  Bytes badSig = sig.value();
  badSig[badSig.size() - 1] ^= 1;
  CHECK_FALSE(verifyEcdsaP256(point, hash, badSig));
  Bytes badPoint = point;
  badPoint[64] ^= 1;  // no longer on the curve
  CHECK_FALSE(verifyEcdsaP256(badPoint, hash, sig.value()));
  CHECK_FALSE(verifyEcdsaP256({}, hash, sig.value()));
  CHECK_FALSE(key.value()->signHash({}, *rng).ok());
}

TEST_CASE("P-256: fromPrivate rebuilds the same key") {
  auto rng = makeSeededRng(11);
  auto key = EcKeyPair::generate(*rng);
  REQUIRE(key.ok());
  const hp::base::SecretBytes scalar = key.value()->privateScalar();
  REQUIRE(scalar.size() == EcKeyPair::kScalarSize);
  auto rebuilt = EcKeyPair::fromPrivate(scalar.view(), *rng);
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt.value()->publicPoint() == key.value()->publicPoint());
  const Bytes hash = rng->bytes(32);
  auto sig = rebuilt.value()->signHash(hash, *rng);
  REQUIRE(sig.ok());
  CHECK(verifyEcdsaP256(key.value()->publicPoint(), hash, sig.value()));

  CHECK_FALSE(EcKeyPair::fromPrivate(Bytes(32, 0), *rng).ok());     // zero is not a key
  CHECK_FALSE(EcKeyPair::fromPrivate(Bytes(32, 0xFF), *rng).ok());  // above the group order
  CHECK_FALSE(EcKeyPair::fromPrivate(Bytes(31, 1), *rng).ok());
}

TEST_CASE("P-256: ECDH agrees on both sides and refuses a bad point") {
  auto rng = makeSeededRng(12);
  auto a = EcKeyPair::generate(*rng);
  auto b = EcKeyPair::generate(*rng);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto ab = a.value()->agree(b.value()->publicPoint(), *rng);
  auto ba = b.value()->agree(a.value()->publicPoint(), *rng);
  REQUIRE(ab.ok());
  REQUIRE(ba.ok());
  CHECK(ab.value() == ba.value());
  CHECK(ab.value().size() == 32);
  Bytes bad = b.value()->publicPoint();
  bad[10] ^= 1;
  CHECK_FALSE(a.value()->agree(bad, *rng).ok());
}

TEST_CASE("RSA-2048: sign, verify, rebuild from primes") {
  auto rng = makeSeededRng(13);
  auto key = RsaKeyPair::generate(*rng);
  REQUIRE(key.ok());
  const Bytes n = key.value()->modulus();
  const Bytes e = key.value()->publicExponent();
  CHECK(n.size() == 256);
  CHECK(e == hp::test::hex("01 00 01"));

  for (size_t hashLength : {20u, 28u, 32u, 48u, 64u}) {
    CAPTURE(hashLength);
    const Bytes hash = rng->bytes(hashLength);
    auto sig = key.value()->signHash(hash, *rng);
    REQUIRE(sig.ok());
    CHECK(sig.value().size() == 256);
    CHECK(verifyRsaPkcs1(n, e, hash, sig.value()));
    Bytes other = hash;
    other[0] ^= 1;
    CHECK_FALSE(verifyRsaPkcs1(n, e, other, sig.value()));
  }
  CHECK_FALSE(key.value()->signHash(Bytes(31, 1), *rng).ok());
  CHECK_FALSE(verifyRsaPkcs1(n, e, Bytes(31, 1), Bytes(256, 1)));

  const hp::base::SecretBytes p = key.value()->primeP();
  const hp::base::SecretBytes q = key.value()->primeQ();
  auto rebuilt = RsaKeyPair::fromPrimes(p.view(), q.view(), e);
  REQUIRE(rebuilt.ok());
  CHECK(rebuilt.value()->modulus() == n);
  const Bytes hash = rng->bytes(32);
  auto sig = rebuilt.value()->signHash(hash, *rng);
  REQUIRE(sig.ok());
  CHECK(verifyRsaPkcs1(n, e, hash, sig.value()));
  // A signature truncated by one byte is refused, not padded.
  CHECK_FALSE(verifyRsaPkcs1(n, e, hash, Bytes(sig.value().begin(), sig.value().end() - 1)));

  // A prime cut short gives a modulus that is not 2048 bits: refused. (Primality itself is not
  // checked: mbedtls_rsa_check_privkey has no RNG here; the primes come from our own
  // checksummed state file.)
  const Bytes shortP(p.view().begin(), p.view().begin() + 64);
  CHECK_FALSE(RsaKeyPair::fromPrimes(shortP, q.view(), e).ok());
  CHECK_FALSE(RsaKeyPair::fromPrimes(p.view(), q.view(), hp::test::hex("02")).ok());
}
