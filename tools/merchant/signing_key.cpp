#include "signing_key.hpp"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "purse_records.hpp"
#include "tls_error.hpp"

namespace hp::merchant {

Result<std::unique_ptr<SigningKey>> SigningKey::loadPem(const std::string& path) {
  auto rng = card::makeSystemRng();
  if (!rng) return rng.error();
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  if (int rc = mbedtls_pk_parse_keyfile(&pk, path.c_str(), nullptr); rc != 0) {
    mbedtls_pk_free(&pk);
    return tls::tlsError("signing key " + path, rc);
  }
  if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY ||
      mbedtls_pk_ec(pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
    mbedtls_pk_free(&pk);
    return makeError("signing key " + path + ": must be an EC P-256 key");
  }
  SecretBytes scalar(card::EcKeyPair::kScalarSize);
  const int rc = mbedtls_mpi_write_binary(&mbedtls_pk_ec(pk)->d, scalar.data(), scalar.size());
  mbedtls_pk_free(&pk);  // zeroizes the private scalar it held
  if (rc != 0) return tls::tlsError("signing key " + path, rc);
  auto key = card::EcKeyPair::fromPrivate(scalar.view(), **rng);
  if (!key) return makeError("signing key " + path + ": " + key.error().message);
  return std::unique_ptr<SigningKey>(new SigningKey(std::move(*key), std::move(*rng)));
}

Result<Bytes> SigningKey::signObject(std::string_view label, ByteView body) {
  const auto hash = card::purse::signedHash(label, body);
  std::lock_guard lock(mutex_);
  auto signature = key_->signHash(hash, *rng_);
  if (!signature) return signature.error();
  return card::purse::appendSignature(body, *signature);
}

}  // namespace hp::merchant
