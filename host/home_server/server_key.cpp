#include "server_key.hpp"

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

namespace hp::home {

Result<std::unique_ptr<FileServerSigner>> FileServerSigner::load(const std::string& pemPath) {
  auto rng = card::makeSystemRng();
  if (!rng) return rng.error();
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  // 2.28: no RNG argument (3.x added one for blinding).
  const int parsed = mbedtls_pk_parse_keyfile(&pk, pemPath.c_str(), nullptr);
  if (parsed != 0) {
    mbedtls_pk_free(&pk);
    return makeError("server key: cannot read a private key from " + pemPath);
  }
  if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY ||
      mbedtls_pk_ec(pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
    mbedtls_pk_free(&pk);
    return makeError("server key: " + pemPath + " is not an EC P-256 key");
  }
  SecretBytes scalar(card::EcKeyPair::kScalarSize);
  const int written = mbedtls_mpi_write_binary(&mbedtls_pk_ec(pk)->d, scalar.data(), scalar.size());
  mbedtls_pk_free(&pk);  // frees (and zeroizes) the parsed private key
  if (written != 0) return makeError("server key: cannot export the private scalar");
  auto key = card::EcKeyPair::fromPrivate(scalar.view(), *rng.value());
  if (!key) return key.error();
  return std::unique_ptr<FileServerSigner>(
      new FileServerSigner(std::move(key.value()), std::move(rng.value())));
}

Result<Bytes> FileServerSigner::sign(const channel::Hash& hash) {
  std::lock_guard lock(mutex_);
  return key_->signHash(hash, *rng_);
}

}  // namespace hp::home
