// The seam where the home card comes in: the private key of the user's client certificate
// never leaves its holder; TLS asks it for one signature per full handshake.
#pragma once

#include <mbedtls/md.h>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::tls_proxy {

enum class KeyType { kEcP256, kRsa2048 };

class ClientKeySigner {
 public:
  virtual ~ClientKeySigner() = default;

  virtual KeyType keyType() const = 0;
  // The user's X.509 certificate (DER) whose public key matches the signing key.
  virtual Bytes certificateDer() const = 0;
  // Signs a hash (20/28/32/48/64 bytes, as the card's PSO: COMPUTE DIGITAL SIGNATURE takes).
  // EC: DER-encoded ECDSA-Sig-Value. RSA: PKCS#1 v1.5 over DigestInfo(hashAlg, hash), 256 bytes.
  virtual Result<Bytes> signHash(mbedtls_md_type_t hashAlg, ByteView hash) = 0;
};

// The hash sizes the card accepts.
inline bool isSupportedHashSize(size_t size) {
  return size == 20 || size == 28 || size == 32 || size == 48 || size == 64;
}

}  // namespace hp::tls_proxy
