// The symmetric primitives of the channel on mbedTLS 2.28: SHA-256, HMAC-SHA256, HKDF-SHA256
// (RFC 5869) and AES-256-GCM. Thin wrappers so the protocol code reads as the construction.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::channel {

using Hash = std::array<uint8_t, 32>;

Hash sha256(ByteView data);
// SHA-256 over a label followed by data: used wherever a hash is signed, so each signature is
// bound to its purpose.
Hash labelledHash(std::string_view label, ByteView data);
SecretBytes hmacSha256(ByteView key, ByteView data);

// HKDF-Extract(salt, ikm) -> PRK; HKDF-Expand(prk, info, length) -> OKM.
SecretBytes hkdfExtract(ByteView salt, ByteView inputKeyMaterial);
Result<SecretBytes> hkdfExpand(ByteView pseudoRandomKey, ByteView info, size_t length);

// AES-256-GCM with a 96-bit nonce and a 128-bit tag appended to the ciphertext.
Result<Bytes> aesGcmSeal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
// Fails (and returns nothing of the plaintext) unless the tag verifies.
Result<Bytes> aesGcmOpen(ByteView key, ByteView nonce, ByteView aad, ByteView ciphertextAndTag);

}  // namespace hp::channel
