#include "server_hello_statement.hpp"

#include <mbedtls/sha256.h>

namespace hp::card {

std::array<uint8_t, 32> serverHelloSignedHash(ByteView serverEphemeralPoint,
                                              ByteView transcriptHash) {
  std::array<uint8_t, 32> out{};
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  mbedtls_sha256_starts_ret(&ctx, 0);
  // The label's length first, so (label, data) splits are unambiguous; the point and the hash
  // have fixed sizes (the callers check them).
  const uint8_t labelLength = static_cast<uint8_t>(kServerHelloLabel.size());
  mbedtls_sha256_update_ret(&ctx, &labelLength, 1);
  mbedtls_sha256_update_ret(&ctx, reinterpret_cast<const uint8_t*>(kServerHelloLabel.data()),
                            kServerHelloLabel.size());
  mbedtls_sha256_update_ret(&ctx, serverEphemeralPoint.data(), serverEphemeralPoint.size());
  mbedtls_sha256_update_ret(&ctx, transcriptHash.data(), transcriptHash.size());
  mbedtls_sha256_finish_ret(&ctx, out.data());
  mbedtls_sha256_free(&ctx);
  return out;
}

}  // namespace hp::card
