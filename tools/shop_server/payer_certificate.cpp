#include "tools/shop_server/payer_certificate.hpp"

#include <mbedtls/x509_crt.h>

namespace hp::shop_server {

namespace {

// RAII for the two mbedTLS certificate chains.
struct Chain {
  mbedtls_x509_crt crt;
  Chain() { mbedtls_x509_crt_init(&crt); }
  ~Chain() { mbedtls_x509_crt_free(&crt); }
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;
};

merchant::ApiError refused(const std::string& message) {
  return merchant::ApiError{422, "bad_payer", message};
}

}  // namespace

Result<merchant::PeerIdentity, merchant::ApiError> verifiedPayer(ByteView der,
                                                                 const std::string& caFile) {
  Chain payer;
  Chain ca;
  if (mbedtls_x509_crt_parse_der(&payer.crt, der.data(), der.size()) != 0) {
    return refused("the payer's certificate is not X.509 DER");
  }
  if (caFile.empty() || mbedtls_x509_crt_parse_file(&ca.crt, caFile.c_str()) != 0) {
    return merchant::ApiError{500, "internal_error", "the shop has no user CA to check payers"};
  }
  uint32_t flags = 0;
  if (mbedtls_x509_crt_verify(&payer.crt, &ca.crt, nullptr, nullptr, &flags, nullptr, nullptr) !=
      0) {
    return refused("the payer's certificate is not one of our users' CA");
  }
  auto identity = merchant::describeCertificate(payer.crt);
  if (!identity) return refused(identity.error().message);
  return identity.value();
}

}  // namespace hp::shop_server
