// ExternalKey: the pk contexts TLS signs with call the signer; the pinned EC pk_info ABI holds.
#include <doctest.h>
#include <mbedtls/pk_internal.h>
#include <mbedtls/sha256.h>

#include <cstring>

#include "host/tls_proxy/external_ec_pk_info.hpp"
#include "host/tls_proxy/external_key.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tests/tls_proxy/test_signers.hpp"

namespace hp::tls_proxy {

namespace {

Bytes sha256(std::string_view text) {
  Bytes digest(32);
  REQUIRE(mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                             digest.data(), 0) == 0);
  return digest;
}

Bytes signWith(mbedtls_pk_context* pk, const Bytes& hash, int expectedRc = 0) {
  Bytes signature(MBEDTLS_PK_SIGNATURE_MAX_SIZE);
  size_t length = 0;
  // The RNG is never used: the external key signs elsewhere.
  const int rc = mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, hash.data(), hash.size(), signature.data(),
                                 &length, nullptr, nullptr);
  CHECK(rc == expectedRc);
  signature.resize(rc == 0 ? length : 0);
  return signature;
}

}  // namespace

TEST_SUITE("external_key") {
  TEST_CASE("pinned ABI: mbedtls_eckey_info is the 2.28 EC table this code copies") {
    // If mbedTLS changed the layout of mbedtls_pk_info_t, these fields would read garbage.
    CHECK(checkExternalEcAbi().ok());
    CHECK(mbedtls_eckey_info.type == MBEDTLS_PK_ECKEY);
    CHECK(std::strcmp(mbedtls_eckey_info.name, "EC") == 0);
    const mbedtls_pk_info_t* info = externalEcPkInfo();
    CHECK(info->type == MBEDTLS_PK_ECKEY);
    CHECK((info->get_bitlen == mbedtls_eckey_info.get_bitlen));
    CHECK((info->verify_func == mbedtls_eckey_info.verify_func));
    CHECK((info->sign_func != mbedtls_eckey_info.sign_func));
    // Our context must start with the keypair the library's functions expect.
    CHECK(offsetof(ExternalEcContext, keypair) == 0);
  }

  TEST_CASE("EC P-256: pk_sign goes to the signer and the library verifies the result") {
    const auto& pki = test::testPki();
    test::CountingSigner signer(test::loadSigner(pki.userEcKey, pki.userEcCert));
    auto key = ExternalKey::create(signer);
    REQUIRE(key.ok());
    mbedtls_pk_context* pk = (*key)->pk();
    // The library's own entries of the copied table still work on our context.
    CHECK(mbedtls_pk_get_bitlen(pk) == 256);
    CHECK(mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA));
    CHECK(std::strcmp(mbedtls_pk_get_name(pk), "EC (external)") == 0);

    const Bytes hash = sha256("CertificateVerify transcript");
    const Bytes signature = signWith(pk, hash);
    CHECK(signer.calls == 1);
    CHECK((*key)->signerCalls() == 1);
    CHECK(signer.lastHashAlg == MBEDTLS_MD_SHA256);
    CHECK(signer.lastHashSize == 32);
    // Verified once with the certificate's key and once through the copied verify_func.
    mbedtls_pk_context* certKey = &(*key)->certificate()->pk;
    CHECK(mbedtls_pk_verify(certKey, MBEDTLS_MD_SHA256, hash.data(), hash.size(), signature.data(),
                            signature.size()) == 0);
    CHECK(mbedtls_pk_verify(pk, MBEDTLS_MD_SHA256, hash.data(), hash.size(), signature.data(),
                            signature.size()) == 0);
    const Bytes otherHash = sha256("something else");
    CHECK(mbedtls_pk_verify(pk, MBEDTLS_MD_SHA256, otherHash.data(), otherHash.size(),
                            signature.data(), signature.size()) != 0);
  }

  TEST_CASE("RSA-2048: rsa_alt sign goes to the signer, PKCS#1 v1.5 verifies") {
    const auto& pki = test::testPki();
    test::CountingSigner signer(test::loadSigner(pki.userRsaKey, pki.userRsaCert));
    REQUIRE(signer.keyType() == KeyType::kRsa2048);
    auto key = ExternalKey::create(signer);
    REQUIRE(key.ok());
    CHECK(mbedtls_pk_get_type((*key)->pk()) == MBEDTLS_PK_RSA_ALT);
    CHECK(mbedtls_pk_get_bitlen((*key)->pk()) == 2048);
    const Bytes hash = sha256("CertificateVerify transcript");
    const Bytes signature = signWith((*key)->pk(), hash);
    CHECK(signer.calls == 1);
    CHECK(signature.size() == 256);
    CHECK(mbedtls_pk_verify(&(*key)->certificate()->pk, MBEDTLS_MD_SHA256, hash.data(), hash.size(),
                            signature.data(), signature.size()) == 0);
  }

  TEST_CASE("a signer failure fails the signature and is remembered for the error message") {
    const auto& pki = test::testPki();
    for (const auto& [keyPath, certPath] :
         {std::pair{pki.userEcKey, pki.userEcCert}, std::pair{pki.userRsaKey, pki.userRsaCert}}) {
      test::RefusingSigner signer(test::loadSigner(keyPath, certPath));
      auto key = ExternalKey::create(signer);
      REQUIRE(key.ok());
      const Bytes hash = sha256("x");
      Bytes signature(MBEDTLS_PK_SIGNATURE_MAX_SIZE);
      size_t length = 0;
      CHECK(mbedtls_pk_sign((*key)->pk(), MBEDTLS_MD_SHA256, hash.data(), hash.size(),
                            signature.data(), &length, nullptr, nullptr) != 0);
      CHECK((*key)->lastSignerError().find("6982") != std::string::npos);
    }
  }

  TEST_CASE("the software signer refuses hashes the card would refuse") {
    const auto& pki = test::testPki();
    auto signer = SoftwareSigner::fromPemFiles(pki.userEcKey, pki.userEcCert);
    REQUIRE(signer.ok());
    CHECK_FALSE((*signer)->signHash(MBEDTLS_MD_SHA256, Bytes(31, 1)).ok());
    CHECK((*signer)->signHash(MBEDTLS_MD_SHA384, Bytes(48, 1)).ok());
    // A key that does not belong to the certificate is refused up front.
    CHECK_FALSE(SoftwareSigner::fromPemFiles(pki.userRsaKey, pki.userEcCert).ok());
  }
}

}  // namespace hp::tls_proxy
