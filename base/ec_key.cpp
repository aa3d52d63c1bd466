#include "base/ec_key.hpp"

#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>

namespace hp::base {

struct EcKeyPair::Impl {
  // Kept alive across signatures: mbedTLS caches the precomputed comb table for the base
  // point inside the group, which makes every later signature several times faster.
  mbedtls_ecdsa_context key;
  Impl() { mbedtls_ecdsa_init(&key); }
  ~Impl() { mbedtls_ecdsa_free(&key); }
};

EcKeyPair::EcKeyPair() : impl_(std::make_unique<Impl>()) {}
EcKeyPair::~EcKeyPair() = default;

Result<std::unique_ptr<EcKeyPair>> EcKeyPair::generate(Rng& rng) {
  auto k = std::make_unique<EcKeyPair>();
  if (mbedtls_ecdsa_genkey(&k->impl_->key, MBEDTLS_ECP_DP_SECP256R1, &Rng::mbedtlsCallback, &rng) !=
      0) {
    return makeError("EC key generation failed");
  }
  return k;
}

Result<std::unique_ptr<EcKeyPair>> EcKeyPair::fromPrivate(ByteView scalar, Rng& rng) {
  auto k = std::make_unique<EcKeyPair>();
  mbedtls_ecdsa_context& c = k->impl_->key;
  if (scalar.size() != kScalarSize ||
      mbedtls_ecp_group_load(&c.grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
      mbedtls_mpi_read_binary(&c.d, scalar.data(), scalar.size()) != 0 ||
      mbedtls_ecp_check_privkey(&c.grp, &c.d) != 0 ||
      mbedtls_ecp_mul(&c.grp, &c.Q, &c.d, &c.grp.G, &Rng::mbedtlsCallback, &rng) != 0) {
    return makeError("stored EC private key is invalid");
  }
  return k;
}

Bytes EcKeyPair::publicPoint() const {
  Bytes out(kPointSize);
  size_t len = 0;
  if (mbedtls_ecp_point_write_binary(&impl_->key.grp, &impl_->key.Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                     &len, out.data(), out.size()) != 0) {
    return {};
  }
  out.resize(len);
  return out;
}

SecretBytes EcKeyPair::privateScalar() const {
  SecretBytes out(kScalarSize);
  if (mbedtls_mpi_write_binary(&impl_->key.d, out.data(), out.size()) != 0) return {};
  return out;
}

Result<Bytes> EcKeyPair::signHash(ByteView hash, Rng& rng) {
  if (hash.empty() || hash.size() > 64) return makeError("hash length out of range");
  Bytes sig(MBEDTLS_ECDSA_MAX_LEN);
  size_t len = 0;
  // Debian's mbedTLS is built with MBEDTLS_ECDSA_DETERMINISTIC, so write_signature derives the
  // nonce per RFC 6979 and needs a real digest for that HMAC: MBEDTLS_MD_NONE made every
  // signature fail. SHA-256 only keys the nonce derivation; the hash is still signed as given
  // (any length, truncated per SEC1), and our DRBG still blinds the scalar multiplication.
  if (mbedtls_ecdsa_write_signature(&impl_->key, MBEDTLS_MD_SHA256, hash.data(), hash.size(),
                                    sig.data(), &len, &Rng::mbedtlsCallback, &rng) != 0) {
    return makeError("ECDSA signature failed");
  }
  sig.resize(len);
  return sig;
}

Result<SecretBytes> EcKeyPair::agree(ByteView peerPoint, Rng& rng) {
  mbedtls_ecp_point peer;
  mbedtls_ecp_point_init(&peer);
  mbedtls_mpi z;
  mbedtls_mpi_init(&z);
  SecretBytes out(kScalarSize);
  int rc =
      mbedtls_ecp_point_read_binary(&impl_->key.grp, &peer, peerPoint.data(), peerPoint.size());
  if (rc == 0) rc = mbedtls_ecp_check_pubkey(&impl_->key.grp, &peer);
  if (rc == 0) {
    rc = mbedtls_ecdh_compute_shared(&impl_->key.grp, &z, &peer, &impl_->key.d,
                                     &Rng::mbedtlsCallback, &rng);
  }
  if (rc == 0) rc = mbedtls_mpi_write_binary(&z, out.data(), out.size());
  mbedtls_mpi_free(&z);
  mbedtls_ecp_point_free(&peer);
  if (rc != 0) return makeError("ECDH with the peer's point failed");
  return out;
}

bool verifyEcdsaP256(ByteView point, ByteView hash, ByteView derSignature) {
  mbedtls_ecdsa_context ctx;
  mbedtls_ecdsa_init(&ctx);
  int rc = mbedtls_ecp_group_load(&ctx.grp, MBEDTLS_ECP_DP_SECP256R1);
  if (rc == 0) rc = mbedtls_ecp_point_read_binary(&ctx.grp, &ctx.Q, point.data(), point.size());
  if (rc == 0) rc = mbedtls_ecp_check_pubkey(&ctx.grp, &ctx.Q);
  if (rc == 0) {
    rc = mbedtls_ecdsa_read_signature(&ctx, hash.data(), hash.size(), derSignature.data(),
                                      derSignature.size());
  }
  mbedtls_ecdsa_free(&ctx);
  return rc == 0;
}

}  // namespace hp::base
