#include "host/tls_proxy/p256_key_file.hpp"

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "base/bytes.hpp"
#include "host/tls_proxy/tls_error.hpp"

namespace hp::tls_proxy {

Result<std::unique_ptr<base::EcKeyPair>> loadP256KeyFile(const std::string& what,
                                                         const std::string& path, base::Rng& rng) {
  const std::string context = what + " " + path;
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  // 2.28: no RNG argument (3.x added one for blinding).
  if (int rc = mbedtls_pk_parse_keyfile(&pk, path.c_str(), nullptr); rc != 0) {
    mbedtls_pk_free(&pk);
    return tlsError(context, rc);
  }
  if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY ||
      mbedtls_pk_ec(pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
    mbedtls_pk_free(&pk);
    return makeError(context + ": must be an EC P-256 key");
  }
  SecretBytes scalar(base::EcKeyPair::kScalarSize);
  const int rc = mbedtls_mpi_write_binary(&mbedtls_pk_ec(pk)->d, scalar.data(), scalar.size());
  mbedtls_pk_free(&pk);  // zeroizes the private scalar it held
  if (rc != 0) return tlsError(context, rc);
  auto key = base::EcKeyPair::fromPrivate(scalar.view(), rng);
  if (!key) return makeError(context + ": " + key.error().message);
  return std::move(*key);
}

}  // namespace hp::tls_proxy
