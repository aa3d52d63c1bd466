// ISO/IEC 7816-4 status words (clause 5.6) used by both cards.
#pragma once

#include <cstdint>

namespace hp::protocol::apdu {

// A status word SW1-SW2 as one 16-bit value.
using StatusWord = uint16_t;

namespace sw {
inline constexpr StatusWord kOk = 0x9000;
// 61xx: xx more response bytes are available through GET RESPONSE (00 = 256 or more).
inline constexpr StatusWord kBytesRemaining = 0x6100;
// 63Cx: verification failed, x tries left.
inline constexpr StatusWord kVerifyFailed = 0x63C0;
// 6300: the card could not authenticate the other side (a signature it checks is wrong), as
// GlobalPlatform's EXTERNAL AUTHENTICATE answers; no retry counter is involved.
inline constexpr StatusWord kAuthenticationFailed = 0x6300;
inline constexpr StatusWord kMemoryFailure = 0x6581;  // persistent write failed; state unchanged
inline constexpr StatusWord kWrongLength = 0x6700;
inline constexpr StatusWord kLogicalChannelNotSupported = 0x6881;
inline constexpr StatusWord kSecureMessagingNotSupported = 0x6882;
inline constexpr StatusWord kLastCommandOfChainExpected = 0x6883;
inline constexpr StatusWord kChainingNotSupported = 0x6884;
inline constexpr StatusWord kSecurityStatusNotSatisfied = 0x6982;
inline constexpr StatusWord kAuthenticationMethodBlocked = 0x6983;
inline constexpr StatusWord kReferenceDataNotUsable = 0x6984;
inline constexpr StatusWord kConditionsNotSatisfied = 0x6985;
inline constexpr StatusWord kWrongData = 0x6A80;
inline constexpr StatusWord kFunctionNotSupported = 0x6A81;
inline constexpr StatusWord kFileOrAppNotFound = 0x6A82;
inline constexpr StatusWord kRecordNotFound = 0x6A83;
inline constexpr StatusWord kNotEnoughMemory = 0x6A84;
inline constexpr StatusWord kIncorrectP1P2 = 0x6A86;
inline constexpr StatusWord kReferencedDataNotFound = 0x6A88;
inline constexpr StatusWord kDataObjectAlreadyExists = 0x6A89;
inline constexpr StatusWord kWrongP1P2 = 0x6B00;
// 6Cxx: wrong Le; xx is the exact number of bytes available.
inline constexpr StatusWord kWrongLe = 0x6C00;
inline constexpr StatusWord kInsNotSupported = 0x6D00;
inline constexpr StatusWord kClaNotSupported = 0x6E00;
inline constexpr StatusWord kNoPreciseDiagnosis = 0x6F00;

constexpr StatusWord verifyFailed(unsigned triesLeft) {
  return static_cast<StatusWord>(kVerifyFailed | (triesLeft & 0x0F));
}
constexpr StatusWord bytesRemaining(size_t n) {
  return static_cast<StatusWord>(kBytesRemaining | (n >= 256 ? 0 : n));
}
constexpr StatusWord wrongLe(size_t exact) {
  return static_cast<StatusWord>(kWrongLe | (exact >= 256 ? 0 : exact));
}
}  // namespace sw

}  // namespace hp::protocol::apdu
