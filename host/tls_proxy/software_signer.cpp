#include "host/tls_proxy/software_signer.hpp"

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "base/rng.hpp"
#include "host/tls_proxy/process_rng.hpp"
#include "host/tls_proxy/tls_error.hpp"

namespace hp::tls_proxy {

struct SoftwareSigner::Impl {
  mbedtls_pk_context key;
  base::Rng* rng = nullptr;  // the process's (process_rng.hpp)
  Impl() { mbedtls_pk_init(&key); }
  ~Impl() { mbedtls_pk_free(&key); }  // mbedtls_pk_free zeroizes the key material
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
};

SoftwareSigner::SoftwareSigner(std::unique_ptr<Impl> impl, KeyType type, Bytes certificateDer)
    : impl_(std::move(impl)), keyType_(type), certificateDer_(std::move(certificateDer)) {}

SoftwareSigner::~SoftwareSigner() = default;

Result<std::unique_ptr<SoftwareSigner>> SoftwareSigner::fromPemFiles(const std::string& keyPath,
                                                                     const std::string& certPath) {
  auto impl = std::make_unique<Impl>();
  auto rng = processRng();
  if (!rng) return rng.error();
  impl->rng = *rng;

  if (int rc = mbedtls_pk_parse_keyfile(&impl->key, keyPath.c_str(), nullptr); rc != 0) {
    return tlsError("reading user key " + keyPath, rc);
  }
  mbedtls_x509_crt cert;
  mbedtls_x509_crt_init(&cert);
  struct CertGuard {
    mbedtls_x509_crt* c;
    ~CertGuard() { mbedtls_x509_crt_free(c); }
  } guard{&cert};
  if (int rc = mbedtls_x509_crt_parse_file(&cert, certPath.c_str()); rc != 0) {
    return tlsError("reading user certificate " + certPath, rc);
  }
  if (int rc = mbedtls_pk_check_pair(&cert.pk, &impl->key); rc != 0) {
    return tlsError("user key does not match its certificate", rc);
  }

  KeyType type;
  const mbedtls_pk_type_t pkType = mbedtls_pk_get_type(&impl->key);
  if (pkType == MBEDTLS_PK_ECKEY && mbedtls_pk_ec(impl->key)->grp.id == MBEDTLS_ECP_DP_SECP256R1) {
    type = KeyType::kEcP256;
  } else if (pkType == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(&impl->key) == 2048) {
    type = KeyType::kRsa2048;
  } else {
    return makeError("user key must be EC P-256 or RSA-2048 (as on the home card)");
  }
  Bytes der(cert.raw.p, cert.raw.p + cert.raw.len);
  return std::unique_ptr<SoftwareSigner>(new SoftwareSigner(std::move(impl), type, std::move(der)));
}

Result<Bytes> SoftwareSigner::signHash(mbedtls_md_type_t hashAlg, ByteView hash) {
  // Same contract as the card: the hash length must fit the algorithm and the card's sizes.
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(hashAlg);
  if (md == nullptr || mbedtls_md_get_size(md) != hash.size() ||
      !isSupportedHashSize(hash.size())) {
    return makeError("signer: unsupported hash algorithm or length");
  }
  Bytes signature(MBEDTLS_PK_SIGNATURE_MAX_SIZE);
  size_t length = 0;
  const int rc = mbedtls_pk_sign(&impl_->key, hashAlg, hash.data(), hash.size(), signature.data(),
                                 &length, &base::Rng::mbedtlsCallback, impl_->rng);
  if (rc != 0) return tlsError("signer", rc);
  signature.resize(length);
  return signature;
}

}  // namespace hp::tls_proxy
