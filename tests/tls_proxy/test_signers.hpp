// Signers for tests: one that counts calls around a real signer, one that always fails.
#pragma once

#include <memory>

#include "host/tls_proxy/software_signer.hpp"

namespace hp::tls_proxy::test {

class CountingSigner final : public ClientKeySigner {
 public:
  explicit CountingSigner(std::unique_ptr<ClientKeySigner> inner) : inner_(std::move(inner)) {}
  KeyType keyType() const override { return inner_->keyType(); }
  Bytes certificateDer() const override { return inner_->certificateDer(); }
  Result<Bytes> signHash(mbedtls_md_type_t hashAlg, ByteView hash) override {
    ++calls;
    lastHashAlg = hashAlg;
    lastHashSize = hash.size();
    return inner_->signHash(hashAlg, hash);
  }
  int calls = 0;
  mbedtls_md_type_t lastHashAlg = MBEDTLS_MD_NONE;
  size_t lastHashSize = 0;

 private:
  std::unique_ptr<ClientKeySigner> inner_;
};

// Like a card that refuses (PIN not verified): the certificate is fine, signing fails.
class RefusingSigner final : public ClientKeySigner {
 public:
  explicit RefusingSigner(std::unique_ptr<ClientKeySigner> inner) : inner_(std::move(inner)) {}
  KeyType keyType() const override { return inner_->keyType(); }
  Bytes certificateDer() const override { return inner_->certificateDer(); }
  Result<Bytes> signHash(mbedtls_md_type_t, ByteView) override {
    return makeError("card answered 6982 (security status not satisfied)");
  }

 private:
  std::unique_ptr<ClientKeySigner> inner_;
};

inline std::unique_ptr<ClientKeySigner> loadSigner(const std::string& key,
                                                   const std::string& cert) {
  auto signer = SoftwareSigner::fromPemFiles(key, cert);
  if (!signer) return nullptr;
  return std::move(signer.value());
}

}  // namespace hp::tls_proxy::test
