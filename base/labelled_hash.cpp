#include "base/labelled_hash.hpp"

#include <mbedtls/sha256.h>

namespace hp::base {

std::array<uint8_t, 32> labelledSha256(std::string_view label,
                                       std::initializer_list<ByteView> parts) {
  std::array<uint8_t, 32> out{};
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  mbedtls_sha256_starts_ret(&ctx, 0);
  const auto labelLength = static_cast<uint8_t>(label.size());
  mbedtls_sha256_update_ret(&ctx, &labelLength, 1);
  mbedtls_sha256_update_ret(&ctx, reinterpret_cast<const uint8_t*>(label.data()), label.size());
  for (ByteView part : parts) mbedtls_sha256_update_ret(&ctx, part.data(), part.size());
  mbedtls_sha256_finish_ret(&ctx, out.data());
  mbedtls_sha256_free(&ctx);
  return out;
}

}  // namespace hp::base
