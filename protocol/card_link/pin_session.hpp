// The card link's PIN session (docs/design.md, "The card link"): how a host proves it talks to
// the card it was provisioned with, and sends a PIN that only that card can read. Modelled on
// GlobalPlatform SCP11b: a static card key pinned by the host, an ephemeral host key, ECDH.
//
//   host -> card  AUTHENTICATE CARD: host ephemeral point E (65) || host nonce Nh (16)
//   card          Z = ECDH(card authentication key, E); Nc = 16 fresh random bytes;
//                 keys = HKDF-SHA256(salt Nh || Nc, Z, info label || card point || E)
//   card -> host  Nc (16) || receipt = HMAC-SHA256(mac key, label || E || Nh || Nc)
//   host          checks the receipt against the PINNED card point: only the holder of the
//                 card authentication key derives the MAC key. No PIN leaves before this.
//   host -> card  SECURE VERIFY PIN1/PIN2: AES-256-GCM(enc key, PIN block, AAD label || ref)
//
// Both sides use these functions, so they cannot drift apart. The card's nonce makes every
// session's keys fresh: a recorded SECURE VERIFY replayed later fails the GCM check. Each
// session carries exactly one PIN (its keys are then dropped), which is why the GCM nonce can
// be constant.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.hpp"

namespace hp::protocol::card_link::pin_session {

inline constexpr size_t kPointSize = 65;  // uncompressed P-256
inline constexpr size_t kNonceSize = 16;
inline constexpr size_t kReceiptSize = 32;
// The PIN block: u8 length || digits || zero padding, so the ciphertext's size says nothing
// about the PIN's length.
inline constexpr size_t kPinBlockSize = 16;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kSealedPinSize = kPinBlockSize + kTagSize;

struct Keys {
  SecretBytes encryption;  // 32 bytes, AES-256-GCM of the PIN block
  SecretBytes mac;         // 32 bytes, HMAC-SHA256 of the card's receipt
};

// HKDF-SHA256 of the ECDH secret; nullopt when an input has the wrong size.
std::optional<Keys> deriveKeys(ByteView sharedSecret, ByteView cardPoint, ByteView hostPoint,
                               ByteView hostNonce, ByteView cardNonce);

// The card's proof that it derived the keys (kReceiptSize bytes).
Bytes receipt(const Keys& keys, ByteView hostPoint, ByteView hostNonce, ByteView cardNonce);
// Constant-time comparison of a receipt the host received with the one it expects.
bool receiptMatches(const Keys& keys, ByteView hostPoint, ByteView hostNonce, ByteView cardNonce,
                    ByteView candidate);

// The sealed PIN block for reference 81 (PIN1) or 82 (PIN2); empty for a PIN longer than the
// block allows (the card's own format check refuses the rest).
Bytes sealPin(const Keys& keys, uint8_t reference, ByteView pin);
// The PIN, or nullopt when the block was not sealed under these keys for this reference.
std::optional<SecretBytes> openPin(const Keys& keys, uint8_t reference, ByteView sealed);

}  // namespace hp::protocol::card_link::pin_session
