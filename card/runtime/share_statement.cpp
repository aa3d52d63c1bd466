#include "share_statement.hpp"

#include <mbedtls/sha256.h>

#include "byte_codec.hpp"

namespace hp::card {

Bytes encodeShareStatement(ByteView terminalId, ByteView ephemeralPoint, uint64_t createdAtMs,
                           uint64_t expiresAtMs) {
  ByteWriter out;
  out.u8(static_cast<uint8_t>(terminalId.size()));
  out.raw(terminalId);
  out.raw(ephemeralPoint);
  out.u64(createdAtMs);
  out.u64(expiresAtMs);
  return out.take();
}

std::array<uint8_t, 32> shareStatementHash(ByteView terminalId, ByteView ephemeralPoint,
                                           uint64_t createdAtMs, uint64_t expiresAtMs) {
  const Bytes statement =
      encodeShareStatement(terminalId, ephemeralPoint, createdAtMs, expiresAtMs);
  std::array<uint8_t, 32> out{};
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  mbedtls_sha256_starts_ret(&ctx, 0);
  // The label's length first, so (label, statement) splits are unambiguous.
  const uint8_t labelLength = static_cast<uint8_t>(kShareStatementLabel.size());
  mbedtls_sha256_update_ret(&ctx, &labelLength, 1);
  mbedtls_sha256_update_ret(&ctx, reinterpret_cast<const uint8_t*>(kShareStatementLabel.data()),
                            kShareStatementLabel.size());
  mbedtls_sha256_update_ret(&ctx, statement.data(), statement.size());
  mbedtls_sha256_finish_ret(&ctx, out.data());
  mbedtls_sha256_free(&ctx);
  return out;
}

}  // namespace hp::card
