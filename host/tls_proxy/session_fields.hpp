// What a session blob (the home server's session cache, session_blob.cpp) and a session hand-out
// (what a terminal receives, session_handout.cpp) share: the resumption fields, written, read
// and checked in one place (issue 11, 4: the two files had a copy each, and a reader each).
#pragma once

#include <cstdint>
#include <string>

#include "base/byte_codec.hpp"
#include "host/tls_proxy/session_blob.hpp"

namespace hp::tls_proxy::detail {

// Extended master secret (RFC 7627) and encrypt-then-MAC (RFC 7366), one bit each.
uint8_t sessionFlags(const SessionBlob& blob);
// False for an unknown bit (the blob is left unchanged then).
bool setSessionFlags(uint8_t flags, SessionBlob& blob);

// u8 id length || session id || u16 ticket length || ticket || u32 ticket lifetime (seconds).
void writeResumptionIds(base::ByteWriter& out, const SessionBlob& blob);
// False for a session id longer than 32 bytes; a shortfall turns the reader's ok() false.
bool readResumptionIds(base::ByteReader& in, SessionBlob& blob);

// The checks before encoding and after decoding: a ciphersuite, a 48-byte master secret, a
// session id of at most 32 bytes or a ticket of at most 64 KiB. Messages start with `what`.
Result<void> checkResumable(const SessionBlob& blob, const std::string& what);

}  // namespace hp::tls_proxy::detail
