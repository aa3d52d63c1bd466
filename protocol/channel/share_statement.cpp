#include "protocol/channel/share_statement.hpp"

#include "base/byte_codec.hpp"
#include "base/labelled_hash.hpp"

namespace hp::protocol::channel {

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
  return labelledSha256(kShareStatementLabel, {statement});
}

}  // namespace hp::protocol::channel
