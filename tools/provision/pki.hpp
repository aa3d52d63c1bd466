// The demo PKI hp_provision writes: P-256 keys and X.509 v3 certificates made with mbedTLS
// x509write. One CA signs the shop's certificate and the user's certificate (for the key the
// home card generated; the card signs nothing for this), so one ca.pem serves both the home
// server's trust store and the shop's client-CA list.
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>

#include <memory>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::provision {

// mbedTLS's entropy + CTR_DRBG, seeded once; every key and signature below draws from it.
class Drbg {
 public:
  static Result<std::unique_ptr<Drbg>> create();
  ~Drbg();
  Drbg(const Drbg&) = delete;
  Drbg& operator=(const Drbg&) = delete;
  mbedtls_ctr_drbg_context* context() { return &drbg_; }

 private:
  Drbg();
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
};

// An mbedTLS key (private, or public only), freed and zeroized on destruction.
class PkKey {
 public:
  PkKey() { mbedtls_pk_init(&pk_); }
  ~PkKey() { mbedtls_pk_free(&pk_); }
  PkKey(const PkKey&) = delete;
  PkKey& operator=(const PkKey&) = delete;

  static Result<std::unique_ptr<PkKey>> generateP256(Drbg& drbg);
  // A public key from an uncompressed P-256 point (04 || X || Y), e.g. read from a card.
  static Result<std::unique_ptr<PkKey>> fromP256Point(ByteView point);
  // A private key from PEM (an existing world's ca.key, for --only appliances).
  static Result<std::unique_ptr<PkKey>> fromPrivatePem(const std::string& pem);

  mbedtls_pk_context* get() { return &pk_; }
  // PEM private key (SEC 1 "EC PRIVATE KEY"); SecretBytes since it holds the scalar.
  Result<SecretBytes> privatePem();
  Result<Bytes> publicPoint();  // uncompressed, 65 bytes

 private:
  mbedtls_pk_context pk_;
};

struct CertificateRequest {
  std::string subjectName;  // "CN=...,O=..."
  std::string issuerName;
  bool isCa = false;
  unsigned serial = 1;
  std::string notBefore = "20250101000000";  // YYYYMMDDhhmmss, UTC
  std::string notAfter = "20351231235959";
};

struct Certificate {
  Bytes der;
  std::string pem;
};

Result<Certificate> issueCertificate(const CertificateRequest& request, PkKey& subject,
                                     PkKey& issuer, Drbg& drbg);

}  // namespace hp::provision
