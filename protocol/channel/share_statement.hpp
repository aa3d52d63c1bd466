// The statement a terminal's long-term key signs for one ephemeral key share of the control
// channel (docs/control-channel.md, docs/proxy-architecture.md). Shared by the access card,
// which builds and signs it itself (PREPARE SHARE), and the host's channel code, which checks
// the signature: one encoding in one place, so the two can never drift apart.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/bytes.hpp"

namespace hp::protocol::channel {

// Domain-separation label of the share signature (hp::channel::kShareLabel is the same string).
inline constexpr std::string_view kShareStatementLabel = "homeproxy channel v1 terminal share";

// len(terminal ID) (1) || terminal ID || point (65) || created-at ms (8) || expires-at ms (8),
// integers big-endian. The terminal ID is at most 255 bytes (the card's are at most 32).
Bytes encodeShareStatement(ByteView terminalId, ByteView ephemeralPoint, uint64_t createdAtMs,
                           uint64_t expiresAtMs);

// SHA-256(len(label) (1) || label || statement): what the terminal key signs.
std::array<uint8_t, 32> shareStatementHash(ByteView terminalId, ByteView ephemeralPoint,
                                           uint64_t createdAtMs, uint64_t expiresAtMs);

}  // namespace hp::protocol::channel
