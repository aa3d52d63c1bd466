// The compact form in which the home server hands a delegated session to a terminal over the
// control channel (session.open, docs/proxy-architecture.md): only what the terminal needs to
// resume, in binary. The terminal already knows the shop (it asked for the URL), so host, port
// and the shop certificate's hash stay at home; times are relative, so the two clocks need not
// agree.
//
// Layout (big-endian), version 1:
//   u8 version=1 | u16 ciphersuite (!= 0) | u8 flags (bit0 extended master secret,
//   bit1 encrypt-then-MAC, others 0) | 48 master secret | u8 idLength (0..32) | id
//   | u16 ticketLength | ticket | u32 ticketLifetimeSeconds | u32 ageSeconds
//   | u32 validForSeconds (> 0)
// A session id or a ticket must be present. 99 bytes for a session-id session.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/tls_proxy/session_blob.hpp"

namespace hp::tls_proxy {

inline constexpr uint8_t kSessionHandoutVersion = 1;

// From the home server's session; `nowUnix` gives the age and the time left. Holds the master
// secret, hence SecretBytes. Refused for a session that has expired by `nowUnix`.
Result<SecretBytes> encodeSessionHandout(const SessionBlob& blob, int64_t nowUnix);

// Strict (wrong version, lengths, unknown flags, trailing bytes, suite 0, no id and no ticket,
// validFor 0 are refused); host and port are the shop the terminal asked for.
Result<SessionBlob> decodeSessionHandout(ByteView encoded, const std::string& host, uint16_t port,
                                         int64_t nowUnix);

}  // namespace hp::tls_proxy
