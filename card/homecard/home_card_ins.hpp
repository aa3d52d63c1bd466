// Instruction bytes and data-object tags of the home card (internal to card/homecard).
#pragma once

#include <cstdint>

namespace hp::card::homecard {

namespace ins {
// Interindustry (CLA 0x), ISO/IEC 7816-4 and 7816-8.
inline constexpr uint8_t kVerify = 0x20;
inline constexpr uint8_t kManageSecurityEnvironment = 0x22;
inline constexpr uint8_t kChangeReferenceData = 0x24;
inline constexpr uint8_t kPerformSecurityOperation = 0x2A;
inline constexpr uint8_t kResetRetryCounter = 0x2C;
inline constexpr uint8_t kActivate = 0x44;
inline constexpr uint8_t kGenerateKeyPair = 0x47;
inline constexpr uint8_t kGetData = 0xCA;
inline constexpr uint8_t kPutData = 0xDA;
// Proprietary (CLA 8x): the trust registries.
inline constexpr uint8_t kRegistryAdd = 0xE2;
inline constexpr uint8_t kRegistryDelete = 0xE4;
inline constexpr uint8_t kRegistryList = 0xE6;
inline constexpr uint8_t kRegistryGet = 0xE8;
// Proprietary (CLA 8x): the e-money purse (docs/emoney.md).
inline constexpr uint8_t kPurseInit = 0x30;
inline constexpr uint8_t kPurseDebit = 0x32;
inline constexpr uint8_t kPurseCredit = 0x34;
inline constexpr uint8_t kPurseCancel = 0x36;
inline constexpr uint8_t kPurseReadLog = 0x38;
// Proprietary (CLA 8x): the card link's PIN session (protocol/card_link/pin_session.hpp).
inline constexpr uint8_t kAuthenticateCard = 0x50;
inline constexpr uint8_t kSecureVerify = 0x52;
}  // namespace ins

// Reference data qualifiers (P2 of VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER).
inline constexpr uint8_t kRefPin1 = 0x81;
inline constexpr uint8_t kRefPin2 = 0x82;
inline constexpr uint8_t kRefPuk = 0x83;

// GET DATA / PUT DATA tags (P1-P2).
inline constexpr uint16_t kTagStatus = 0xDF01;
inline constexpr uint16_t kTagCertificateEc = 0xDF21;
inline constexpr uint16_t kTagCertificateRsa = 0xDF22;
inline constexpr uint16_t kTagPurseStatus = 0xDF40;
inline constexpr uint16_t kTagCardAuthKey = 0xDF31;  // 7F49 { 86 point }, public

}  // namespace hp::card::homecard
