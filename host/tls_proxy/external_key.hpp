// The user's client certificate plus an mbedtls_pk_context whose private operations are
// delegated to a ClientKeySigner (later: APDUs to the home card). What mbedtls_ssl_conf_own_cert
// needs for a client-authenticated handshake, without the private key in this process.
#pragma once

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <memory>
#include <string>

#include "base/result.hpp"
#include "host/tls_proxy/signer.hpp"

namespace hp::tls_proxy {

class ExternalKey {
 public:
  // The signer must outlive the key.
  static Result<std::unique_ptr<ExternalKey>> create(ClientKeySigner& signer);
  ~ExternalKey();
  ExternalKey(const ExternalKey&) = delete;
  ExternalKey& operator=(const ExternalKey&) = delete;

  mbedtls_pk_context* pk() { return &pk_; }
  mbedtls_x509_crt* certificate() { return &certificate_; }
  KeyType keyType() const { return signer_.keyType(); }

  // How many times the signer was asked to sign (one per full handshake is expected).
  size_t signerCalls() const { return signerCalls_; }
  // The message of the signer's last failure, so a failed handshake can say why.
  const std::string& lastSignerError() const { return lastSignerError_; }

 private:
  explicit ExternalKey(ClientKeySigner& signer);
  // Both callbacks return 0 or an mbedTLS error code, as the pk layer expects.
  static int signEc(void* self, mbedtls_md_type_t hashAlg, const unsigned char* hash,
                    size_t hashLength, unsigned char* signature, size_t* signatureLength);
  static int signRsa(void* self, int (*f_rng)(void*, unsigned char*, size_t), void* p_rng, int mode,
                     mbedtls_md_type_t hashAlg, unsigned int hashLength, const unsigned char* hash,
                     unsigned char* signature);
  static int decryptRsa(void* self, int mode, size_t* outputLength, const unsigned char* input,
                        unsigned char* output, size_t outputMax);
  static size_t rsaKeyLength(void* self);
  Result<Bytes> callSigner(mbedtls_md_type_t hashAlg, ByteView hash);

  ClientKeySigner& signer_;
  mbedtls_x509_crt certificate_;
  mbedtls_pk_context pk_;
  size_t signerCalls_ = 0;
  std::string lastSignerError_;
};

}  // namespace hp::tls_proxy
