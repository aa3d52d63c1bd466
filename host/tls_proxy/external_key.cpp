#include "host/tls_proxy/external_key.hpp"

#include <mbedtls/ecdsa.h>
#include <mbedtls/rsa.h>

#include <cstring>

#include "host/tls_proxy/external_ec_pk_info.hpp"
#include "host/tls_proxy/tls_error.hpp"

namespace hp::tls_proxy {

namespace {
constexpr size_t kRsaSignatureSize = 256;  // RSA-2048
}

ExternalKey::ExternalKey(ClientKeySigner& signer) : signer_(signer) {
  mbedtls_x509_crt_init(&certificate_);
  mbedtls_pk_init(&pk_);
}

ExternalKey::~ExternalKey() {
  mbedtls_pk_free(&pk_);
  mbedtls_x509_crt_free(&certificate_);
}

Result<std::unique_ptr<ExternalKey>> ExternalKey::create(ClientKeySigner& signer) {
  std::unique_ptr<ExternalKey> key(new ExternalKey(signer));
  const Bytes der = signer.certificateDer();
  if (int rc = mbedtls_x509_crt_parse_der(&key->certificate_, der.data(), der.size()); rc != 0) {
    return tlsError("user certificate", rc);
  }
  mbedtls_pk_context& certKey = key->certificate_.pk;
  switch (signer.keyType()) {
    case KeyType::kEcP256: {
      if (mbedtls_pk_get_type(&certKey) != MBEDTLS_PK_ECKEY) {
        return makeError("user certificate does not hold an EC key but the signer is EC P-256");
      }
      auto setup =
          setupExternalEcKey(key->pk_, *mbedtls_pk_ec(certKey), &ExternalKey::signEc, key.get());
      if (!setup) return setup.error();
      break;
    }
    case KeyType::kRsa2048: {
      if (mbedtls_pk_get_type(&certKey) != MBEDTLS_PK_RSA ||
          mbedtls_pk_get_bitlen(&certKey) != 2048) {
        return makeError("user certificate does not hold an RSA-2048 key but the signer is RSA");
      }
      if (int rc = mbedtls_pk_setup_rsa_alt(&key->pk_, key.get(), &ExternalKey::decryptRsa,
                                            &ExternalKey::signRsa, &ExternalKey::rsaKeyLength);
          rc != 0) {
        return tlsError("external RSA key setup", rc);
      }
      break;
    }
  }
  return key;
}

Result<Bytes> ExternalKey::callSigner(mbedtls_md_type_t hashAlg, ByteView hash) {
  ++signerCalls_;
  auto signature = signer_.signHash(hashAlg, hash);
  if (!signature) lastSignerError_ = signature.error().message;
  return signature;
}

int ExternalKey::signEc(void* self, mbedtls_md_type_t hashAlg, const unsigned char* hash,
                        size_t hashLength, unsigned char* signature, size_t* signatureLength) {
  auto* key = static_cast<ExternalKey*>(self);
  auto result = key->callSigner(hashAlg, ByteView(hash, hashLength));
  if (!result) return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
  // The caller's buffer is sized for the largest signature the library itself would make.
  if (result->empty() || result->size() > MBEDTLS_ECDSA_MAX_LEN) {
    key->lastSignerError_ = "signer returned an ECDSA signature of impossible length";
    return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
  }
  std::memcpy(signature, result->data(), result->size());
  *signatureLength = result->size();
  return 0;
}

int ExternalKey::signRsa(void* self, int (* /*f_rng*/)(void*, unsigned char*, size_t),
                         void* /*p_rng*/, int mode, mbedtls_md_type_t hashAlg,
                         unsigned int hashLength, const unsigned char* hash,
                         unsigned char* signature) {
  auto* key = static_cast<ExternalKey*>(self);
  // TLS 1.2 always names the hash; MD_NONE (raw MD5+SHA1 of TLS 1.0/1.1) is not offered.
  if (mode != MBEDTLS_RSA_PRIVATE || hashAlg == MBEDTLS_MD_NONE) {
    return MBEDTLS_ERR_RSA_BAD_INPUT_DATA;
  }
  auto result = key->callSigner(hashAlg, ByteView(hash, hashLength));
  if (!result) return MBEDTLS_ERR_RSA_PRIVATE_FAILED;
  if (result->size() != kRsaSignatureSize) {
    key->lastSignerError_ = "signer returned an RSA signature that is not 256 bytes";
    return MBEDTLS_ERR_RSA_PRIVATE_FAILED;
  }
  std::memcpy(signature, result->data(), result->size());
  return 0;
}

int ExternalKey::decryptRsa(void* /*self*/, int /*mode*/, size_t* /*outputLength*/,
                            const unsigned char* /*input*/, unsigned char* /*output*/,
                            size_t /*outputMax*/) {
  // A TLS client never decrypts with its key; the card offers no decryption either.
  return MBEDTLS_ERR_RSA_UNSUPPORTED_OPERATION;
}

size_t ExternalKey::rsaKeyLength(void* /*self*/) {
  return kRsaSignatureSize;
}

}  // namespace hp::tls_proxy
