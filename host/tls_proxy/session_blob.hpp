// Our own compact, versioned encoding of a delegated TLS 1.2 session: what the terminal needs to
// resume it with the shop, and nothing tied to the TLS library (unlike mbedtls_ssl_session_save,
// which depends on the library's version and build options and carries the whole peer chain).
//
// Layout (big-endian), version 1:
//   "HPTS" | u8 version=1 | u16 ciphersuite (IANA id, != 0) | 48 master secret
//   | u8 idLength (0..32) | id | u16 ticketLength | ticket | u32 ticketLifetimeSeconds
//   | u8 flags (bit0 extended master secret, bit1 encrypt-then-MAC, others 0)
//   | u8 hostLength (1..253) | host (LDH name or IPv4 literal) | u16 port (!= 0)
//   | 32 SHA-256 of the shop's leaf certificate | u64 createdUnix | u64 expiresUnix (> created)
// A session must carry a session id or a ticket (else it cannot be resumed).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::tls_proxy {

struct SessionBlob {
  static constexpr uint8_t kVersion = 1;
  static constexpr size_t kMasterSecretSize = 48;
  static constexpr size_t kMaxSessionIdSize = 32;

  uint16_t ciphersuite = 0;
  SecretBytes masterSecret;  // 48 bytes; wiped on destruction
  Bytes sessionId;           // 0..32 bytes
  Bytes ticket;              // RFC 5077 ticket, opaque; empty on the session-id path
  uint32_t ticketLifetimeSeconds = 0;
  bool extendedMasterSecret = false;
  bool encryptThenMac = false;
  std::string host;
  uint16_t port = 0;
  std::array<uint8_t, 32> shopCertificateSha256{};
  int64_t createdUnix = 0;
  int64_t expiresUnix = 0;

  bool hasTicket() const { return !ticket.empty(); }
};

// The encoding contains the master secret, hence SecretBytes.
Result<SecretBytes> encodeSessionBlob(const SessionBlob& blob);
// Strict: wrong magic/version, bad lengths, unknown flags, trailing bytes, an invalid host,
// port 0, suite 0, expiry not after creation or no id and no ticket are all refused.
Result<SessionBlob> decodeSessionBlob(ByteView encoded);

}  // namespace hp::tls_proxy
