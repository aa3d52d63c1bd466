#include "base/rsa_key.hpp"

#include <mbedtls/md.h>
#include <mbedtls/rsa.h>

namespace hp::base {

namespace {
bool mdForHashLength(size_t n, mbedtls_md_type_t& md) {
  switch (n) {
    case 20:
      md = MBEDTLS_MD_SHA1;
      return true;
    case 28:
      md = MBEDTLS_MD_SHA224;
      return true;
    case 32:
      md = MBEDTLS_MD_SHA256;
      return true;
    case 48:
      md = MBEDTLS_MD_SHA384;
      return true;
    case 64:
      md = MBEDTLS_MD_SHA512;
      return true;
    default:
      return false;
  }
}

Bytes mpiBytes(const mbedtls_mpi& v) {
  Bytes out(mbedtls_mpi_size(&v));
  if (mbedtls_mpi_write_binary(&v, out.data(), out.size()) != 0) return {};
  return out;
}
}  // namespace

struct RsaKeyPair::Impl {
  mbedtls_rsa_context rsa;
  Impl() { mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0); }
  ~Impl() { mbedtls_rsa_free(&rsa); }
};

RsaKeyPair::RsaKeyPair() : impl_(std::make_unique<Impl>()) {}
RsaKeyPair::~RsaKeyPair() = default;

Result<std::unique_ptr<RsaKeyPair>> RsaKeyPair::generate(Rng& rng) {
  auto k = std::make_unique<RsaKeyPair>();
  if (mbedtls_rsa_gen_key(&k->impl_->rsa, &Rng::mbedtlsCallback, &rng, kBits, kPublicExponent) !=
      0) {
    return makeError("RSA key generation failed");
  }
  return k;
}

Result<std::unique_ptr<RsaKeyPair>> RsaKeyPair::fromPrimes(ByteView p, ByteView q, ByteView e) {
  auto k = std::make_unique<RsaKeyPair>();
  mbedtls_rsa_context& r = k->impl_->rsa;
  if (mbedtls_rsa_import_raw(&r, nullptr, 0, p.data(), p.size(), q.data(), q.size(), nullptr, 0,
                             e.data(), e.size()) != 0 ||
      mbedtls_rsa_complete(&r) != 0 || mbedtls_rsa_check_privkey(&r) != 0 ||
      mbedtls_rsa_get_len(&r) * 8 != kBits) {
    return makeError("stored RSA private key is invalid");
  }
  return k;
}

Bytes RsaKeyPair::modulus() const {
  return mpiBytes(impl_->rsa.N);
}
Bytes RsaKeyPair::publicExponent() const {
  return mpiBytes(impl_->rsa.E);
}
SecretBytes RsaKeyPair::primeP() const {
  Bytes b = mpiBytes(impl_->rsa.P);
  SecretBytes s(b);
  secureWipe(b);
  return s;
}
SecretBytes RsaKeyPair::primeQ() const {
  Bytes b = mpiBytes(impl_->rsa.Q);
  SecretBytes s(b);
  secureWipe(b);
  return s;
}

Result<Bytes> RsaKeyPair::signHash(ByteView hash, Rng& rng) {
  mbedtls_md_type_t md;
  if (!mdForHashLength(hash.size(), md)) return makeError("unsupported hash length");
  Bytes sig(mbedtls_rsa_get_len(&impl_->rsa));
  // Blinding uses the RNG, which also protects the CRT exponentiation from timing attacks.
  if (mbedtls_rsa_pkcs1_sign(&impl_->rsa, &Rng::mbedtlsCallback, &rng, MBEDTLS_RSA_PRIVATE, md,
                             static_cast<unsigned>(hash.size()), hash.data(), sig.data()) != 0) {
    return makeError("RSA signature failed");
  }
  return sig;
}

bool verifyRsaPkcs1(ByteView modulus, ByteView exponent, ByteView hash, ByteView signature) {
  mbedtls_md_type_t md;
  if (!mdForHashLength(hash.size(), md)) return false;
  mbedtls_rsa_context rsa;
  mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
  int rc = mbedtls_rsa_import_raw(&rsa, modulus.data(), modulus.size(), nullptr, 0, nullptr, 0,
                                  nullptr, 0, exponent.data(), exponent.size());
  if (rc == 0) rc = mbedtls_rsa_complete(&rsa);
  if (rc == 0 && signature.size() != mbedtls_rsa_get_len(&rsa)) rc = -1;
  if (rc == 0) {
    rc =
        mbedtls_rsa_pkcs1_verify(&rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, md,
                                 static_cast<unsigned>(hash.size()), hash.data(), signature.data());
  }
  mbedtls_rsa_free(&rsa);
  return rc == 0;
}

}  // namespace hp::base
