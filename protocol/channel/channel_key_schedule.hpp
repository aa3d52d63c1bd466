// The control channel's key schedule (docs/control-channel.md, steps 2 and 5): HKDF-SHA256 from
// the handshake's input secret, bound to the transcript hash, into the per-connection traffic
// keys, the Finished keys and the next resumption secret. Shared by the access card, which runs
// it for the terminal (KEY AGREEMENT, RESUME AGREEMENT) so the resumption secret never leaves
// the card, and the home server's channel code: one encoding in one place, so they cannot drift.
#pragma once

#include <cstddef>
#include <optional>

#include "base/bytes.hpp"

namespace hp::protocol::channel {

// The handshake kind is part of every label, so a full and a resumed handshake never derive
// the same keys even from colliding inputs.
enum class ChannelHandshakeKind { kFull, kResumed };

inline constexpr size_t kChannelKeySize = 32;   // AES-256 keys, Finished keys, secrets
inline constexpr size_t kChannelIvSize = 12;    // GCM 96-bit nonce base
inline constexpr size_t kChannelHashSize = 32;  // SHA-256 transcript hash
inline constexpr size_t kResumptionSecretSize = 32;

struct ChannelKeys {
  SecretBytes clientToServerKey;
  SecretBytes clientToServerIv;
  SecretBytes serverToClientKey;
  SecretBytes serverToClientIv;
  SecretBytes clientFinishedKey;
  SecretBytes serverFinishedKey;
  SecretBytes resumptionSecret;  // empty once it has been taken out (the card keeps it)
};

// PRK = HKDF-Extract(salt = transcript hash, IKM = inputSecret); each output =
// HKDF-Expand(PRK, "homeproxy channel v2 <full|resumed> <purpose>" || transcript hash, L) for
// purpose in: c2s key (32), c2s iv (12), s2c key (32), s2c iv (12), c finished (32),
// s finished (32), resumption (32). Full: IKM = Z (the ECDH secret). Resumed (psk_dhe_ke, RFC
// 8446 2.2): IKM = resumption secret (32) || Z. nullopt when the input is shorter than 32 bytes
// or the hash is not 32 bytes.
std::optional<ChannelKeys> deriveChannelKeys(ByteView inputSecret, ByteView transcriptHash,
                                             ChannelHandshakeKind kind);

// What the access card answers KEY AGREEMENT and RESUME AGREEMENT with: the keys of this one
// connection and nothing a later connection could use:
// c2s key (32) || c2s iv (12) || s2c key (32) || s2c iv (12) || c finished (32) || s finished (32).
inline constexpr size_t kTrafficKeysSize = 152;
SecretBytes encodeTrafficKeys(const ChannelKeys& keys);
// The inverse (resumption secret left empty); nullopt unless exactly kTrafficKeysSize bytes.
std::optional<ChannelKeys> decodeTrafficKeys(ByteView encoded);

}  // namespace hp::protocol::channel
