// Key schedule: HKDF-SHA256 from a shared secret (the ECDH secret, or a resumption secret and
// an ECDH secret) bound to the transcript hash, into per-direction AEAD keys and IVs, Finished
// keys and the secret that a later connection may resume from. The derivation itself lives in
// protocol/channel/channel_key_schedule.hpp, shared with the access card, which runs it for the
// terminal; this is the host's view of its outputs.
#pragma once

#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/channel/crypto.hpp"
#include "protocol/channel/channel_key_schedule.hpp"

namespace hp::channel {

// The AEAD key and IV of one direction; the per-record nonce is iv XOR sequence number.
struct DirectionKeys {
  SecretBytes key;
  SecretBytes iv;
};

struct SessionKeys {
  DirectionKeys clientToServer;
  DirectionKeys serverToClient;
  SecretBytes clientFinishedKey;
  SecretBytes serverFinishedKey;
  SecretBytes resumptionSecret;  // the server's only: the terminal's stays on its card
};

// The handshake kind is part of every HKDF label, so a full and a resumed handshake never
// derive the same keys even from colliding inputs.
enum class HandshakeKind { kFull, kResumed };

// card::deriveChannelKeys: PRK = HKDF-Extract(salt = transcriptHash, ikm = secret);
// each output = HKDF-Expand(PRK, "homeproxy channel v2 <kind> <purpose>" || transcriptHash).
// Full: secret = Z. Resumed: secret = resumption secret || Z.
Result<SessionKeys> deriveSessionKeys(ByteView secret, const Hash& transcriptHash,
                                      HandshakeKind kind);
// The card's 152-byte answer (card::encodeTrafficKeys) as SessionKeys without a resumption secret.
Result<SessionKeys> sessionKeysFromCard(ByteView trafficKeys);
SessionKeys toSessionKeys(protocol::channel::ChannelKeys&& keys);

// A running record of the handshake messages: each is length-prefixed so message boundaries
// are part of what is hashed.
class Transcript {
 public:
  void add(ByteView message);
  Hash hash() const { return sha256(buffer_); }

 private:
  Bytes buffer_;
};

}  // namespace hp::channel
