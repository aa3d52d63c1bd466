// ECDSA P-256 key pair held by a card. The private scalar lives only in card memory.
#pragma once

#include <memory>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::base {

class EcKeyPair {
 public:
  static constexpr size_t kScalarSize = 32;
  static constexpr size_t kPointSize = 65;  // uncompressed: 04 || X || Y

  EcKeyPair();
  ~EcKeyPair();
  EcKeyPair(const EcKeyPair&) = delete;
  EcKeyPair& operator=(const EcKeyPair&) = delete;

  static Result<std::unique_ptr<EcKeyPair>> generate(Rng& rng);
  // Rebuilds a key from its stored private scalar; the public point is recomputed.
  static Result<std::unique_ptr<EcKeyPair>> fromPrivate(ByteView scalar, Rng& rng);

  Bytes publicPoint() const;
  SecretBytes privateScalar() const;
  // ECDSA over a hash (any length; truncated to the group order per SEC1), DER-encoded.
  Result<Bytes> signHash(ByteView hash, Rng& rng);
  // ECDH shared secret (X coordinate) with a peer's uncompressed point.
  Result<SecretBytes> agree(ByteView peerPoint, Rng& rng);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Verifies a DER ECDSA signature with an uncompressed P-256 point (hosts and tests).
bool verifyEcdsaP256(ByteView point, ByteView hash, ByteView derSignature);

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp
