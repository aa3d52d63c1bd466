// Sealing of a card state image with the card's state key (docs/design.md, "Trust boundary").
//
// Layout "HPCARD02": magic (8) | u8 kind length | kind ("homecard", "accesscard", ...) |
// nonce (12) | u32 ciphertext length (big-endian) | ciphertext | GCM tag (16).
// AES-256-GCM under HKDF-SHA256(state key, info "homeproxy card state v2"); everything before
// the ciphertext (magic, format version, card kind, nonce, length) is the additional data, so a
// header edit, a file of another kind or another card's key all fail the tag. A fresh random
// 96-bit nonce per write: a card writes far fewer than 2^32 images under one key.
#pragma once

#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::card::runtime {

inline constexpr size_t kStateKeySize = 32;
inline constexpr char kSealedMagic[8] = {'H', 'P', 'C', 'A', 'R', 'D', '0', '2'};

bool isSealedStateFile(ByteView file);
Result<Bytes> sealState(const SecretBytes& stateKey, const std::string& kind, ByteView image,
                        Rng& rng);
// Errors name the path and say the file is refused, never that it will be reset.
Result<Bytes> openSealedState(const SecretBytes& stateKey, const std::string& kind, ByteView file,
                              const std::string& pathForMessages);

}  // namespace hp::card::runtime
