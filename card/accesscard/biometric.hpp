// Biometric template format and matcher of the access card: pure functions, no state.
//
// A template is a 32-byte (256-bit) binary feature code, as iris and finger codes are, enrolled
// with a threshold T (0..128): the largest Hamming distance, in bits, that still counts as the
// same person. A sample is a 32-byte code of the same kind; it matches when
//   popcount(sample XOR template) <= T.
// The distance is computed on the card and never leaves it (not even as a status word), so a
// terminal cannot hill-climb towards the template.
//
// Wire formats (BER-TLV, ISO 7816-11 biometric data template 7F2E):
//   enrollment:   7F2E L { 81 20 <32-byte template> 82 01 <T> }
//   verification: 7F2E L { 81 20 <32-byte sample> }
// Each inner object appears exactly once, nothing else is allowed; anything else is malformed.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.hpp"

namespace hp::card::accesscard::bio {

inline constexpr size_t kCodeSize = 32;
inline constexpr uint8_t kMaxThreshold = 128;
inline constexpr uint16_t kTagBiometricTemplate = 0x7F2E;
inline constexpr uint16_t kTagCode = 0x81;
inline constexpr uint16_t kTagThreshold = 0x82;

struct Enrollment {
  SecretBytes code;  // the 32-byte template
  uint8_t threshold = 0;
};

// The enrollment data object; nullopt when its length or shape is wrong or T > 128.
std::optional<Enrollment> parseEnrollment(ByteView data);
// The verification data object; nullopt when its length or shape is wrong.
std::optional<SecretBytes> parseSample(ByteView data);

// popcount(a XOR b) <= threshold, in time independent of the data. Codes of another size than
// kCodeSize never match.
bool matches(ByteView enrolledCode, ByteView sample, uint8_t threshold);

}  // namespace hp::card::accesscard::bio
