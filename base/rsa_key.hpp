// RSA-2048 key pair held by a card; signs PKCS#1 v1.5 over a DigestInfo it builds itself.
#pragma once

#include <memory>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::base {

class RsaKeyPair {
 public:
  static constexpr unsigned kBits = 2048;
  static constexpr int kPublicExponent = 65537;

  RsaKeyPair();
  ~RsaKeyPair();
  RsaKeyPair(const RsaKeyPair&) = delete;
  RsaKeyPair& operator=(const RsaKeyPair&) = delete;

  static Result<std::unique_ptr<RsaKeyPair>> generate(Rng& rng);
  // Rebuilds the key from its stored primes and public exponent.
  static Result<std::unique_ptr<RsaKeyPair>> fromPrimes(ByteView p, ByteView q, ByteView e);

  Bytes modulus() const;
  Bytes publicExponent() const;
  // The private primes, for the card's own persistent memory only.
  SecretBytes primeP() const;
  SecretBytes primeQ() const;

  // PKCS#1 v1.5 signature over DigestInfo(hash); the hash algorithm follows from the hash
  // length: 20 SHA-1, 28 SHA-224, 32 SHA-256, 48 SHA-384, 64 SHA-512. Error for others.
  Result<Bytes> signHash(ByteView hash, Rng& rng);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Verifies PKCS#1 v1.5 over DigestInfo(hash) with (modulus, exponent); hosts and tests.
bool verifyRsaPkcs1(ByteView modulus, ByteView exponent, ByteView hash, ByteView signature);

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp
