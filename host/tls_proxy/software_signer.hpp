// ClientKeySigner over a PEM key file in this process; for tests and tools, never the product
// (where the key lives on the home card).
#pragma once

#include <memory>
#include <string>

#include "host/tls_proxy/signer.hpp"

namespace hp::tls_proxy {

class SoftwareSigner final : public ClientKeySigner {
 public:
  // Loads the private key and certificate (PEM), checks they form a pair and that the key is
  // EC P-256 or RSA-2048.
  static Result<std::unique_ptr<SoftwareSigner>> fromPemFiles(const std::string& keyPath,
                                                              const std::string& certPath);
  ~SoftwareSigner() override;
  SoftwareSigner(const SoftwareSigner&) = delete;
  SoftwareSigner& operator=(const SoftwareSigner&) = delete;

  KeyType keyType() const override { return keyType_; }
  Bytes certificateDer() const override { return certificateDer_; }
  Result<Bytes> signHash(mbedtls_md_type_t hashAlg, ByteView hash) override;

 private:
  struct Impl;
  explicit SoftwareSigner(std::unique_ptr<Impl> impl, KeyType type, Bytes certificateDer);
  std::unique_ptr<Impl> impl_;
  KeyType keyType_;
  Bytes certificateDer_;
};

}  // namespace hp::tls_proxy
