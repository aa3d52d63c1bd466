// Constants of the control channel protocol (docs/control-channel.md): version, message and
// record types, sizes, and the limits that bound every parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hp::channel {

// Every handshake message starts with its type and this version; anything else is refused.
// Version 2: resumption is PSK + ECDHE run by the access card, tickets are single use, and the
// server signs both ephemeral points (docs/control-channel.md).
inline constexpr uint16_t kProtocolVersion = 2;

// Handshake message types (first byte of a handshake message).
enum class MessageType : uint8_t {
  kClientHello = 1,
  kServerHello = 2,
  kFinished = 3,
  kResumeHello = 4,
  kResumeAccept = 5,
  kAlert = 6,
};

// Frame types (first byte of every frame on the wire). Handshake frames are plaintext; the
// other two are AEAD records protected by RecordProtector.
enum class FrameType : uint8_t {
  kHandshake = 0x16,
  kApplicationData = 0x17,
  kClose = 0x15,
};

// Why a server refused; carried in an (unauthenticated, informational) Alert message so the
// terminal can tell "fall back to a full handshake" from "give up".
enum class AlertCode : uint8_t {
  kMalformed = 1,
  kBadVersion = 2,
  // Unknown, revoked, or a share signature that does not verify: one code and one text to the
  // peer, so alerts do not tell registered IDs from unregistered ones (the log has the reason).
  kTerminalRefused = 3,
  kBadSignature = 4,  // no longer sent (v1 sent it for a bad share signature)
  kShareExpired = 5,  // also: dated in the future, or valid for too long
  kShareReplayed = 6,
  kUnknownTicket = 7,
  kTicketExpired = 8,
  kBadFinished = 9,
  kBusy = 10,
  kInternal = 11,
};

inline constexpr size_t kNonceSize = 32;
inline constexpr size_t kPointSize = 65;         // uncompressed P-256: 04 || X || Y
inline constexpr size_t kMaxSignatureSize = 80;  // DER ECDSA P-256 is at most 72 bytes
inline constexpr size_t kMaxTerminalIdSize = 64;
inline constexpr size_t kTicketIdSize = 16;
inline constexpr size_t kMacSize = 32;  // HMAC-SHA256
inline constexpr size_t kMaxAlertTextSize = 200;
inline constexpr size_t kMaxHandshakeMessageSize = 1024;

inline constexpr size_t kAeadKeySize = 32;  // AES-256
inline constexpr size_t kAeadIvSize = 12;   // GCM 96-bit nonce
inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kMaxRecordPlaintext = 64 * 1024;
// Frame header: type (1) || payload length (4, big-endian).
inline constexpr size_t kFrameHeaderSize = 5;
inline constexpr size_t kMaxFramePayload = kMaxRecordPlaintext + kAeadTagSize;

// Domain-separation labels: a signature or MAC made for one purpose never verifies for another.
inline constexpr std::string_view kShareLabel = "homeproxy channel v1 terminal share";
inline constexpr std::string_view kServerSignatureLabel = "homeproxy channel v2 server hello";
// The one Alert text for an unknown, revoked or wrongly signing terminal.
inline constexpr std::string_view kTerminalNotAuthenticated = "terminal not authenticated";

}  // namespace hp::channel
