// Persistent state of the access card and its versioned serialization.
//
// Image layout (ByteWriter, big-endian), format version 3:
//   u8 version = 3
//   u8 lifecycle (1 personalization, 2 operational)
//   PinRecord pin, PinRecord puk                       (pin.hpp layout)
//   BiometricRecord: bool enrolled, u8 maxTries, u8 triesLeft, u8 threshold, 32-byte code
//   blob terminal private scalar (0 or 32 bytes)
//   blob terminal ID (0..32), blob home server key (0 or 65), blob home server address (0..255),
//   blob terminal profile (0 or the canonical 14-byte encoding)
// Versions 1 and 2 are still read; version 2 had one more field at the end, the channel ticket
// (blob 0..512, DF 34 of protocol v1), which is read, wiped and dropped: the resumption ticket
// now lives in the card's RAM only (issue 8 item 1). Every write stores version 3. The
// ephemeral key shares and the ticket of the control channel are volatile and deliberately not
// here.
// Anything else, trailing bytes included, is malformed and refused; the card never resets itself.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "card/runtime/pin.hpp"

namespace hp::card::accesscard {

enum class Lifecycle : uint8_t { kPersonalization = 1, kOperational = 2 };

// Same two-phase retry counter as PinRecord, for the biometric template.
struct BiometricRecord {
  static constexpr uint8_t kDefaultTries = 3;

  bool enrolled = false;
  uint8_t maxTries = kDefaultTries;
  uint8_t triesLeft = kDefaultTries;
  uint8_t threshold = 0;
  SecretBytes code;  // 32 bytes when enrolled, empty otherwise

  bool blocked() const { return enrolled && triesLeft == 0; }
  bool operator==(const BiometricRecord&) const = default;
};

struct AccessCardState {
  static constexpr uint8_t kFormatVersion = 3;
  static constexpr uint8_t kFormatVersionWithTicket = 2;  // read only: the ticket is dropped
  static constexpr uint8_t kFormatVersionWithoutTicket = 1;

  Lifecycle lifecycle = Lifecycle::kPersonalization;
  card::runtime::PinRecord pin;
  card::runtime::PinRecord puk;
  BiometricRecord biometric;
  SecretBytes terminalPrivateKey;  // P-256 scalar; empty until GENERATE KEY PAIR
  Bytes terminalId;
  Bytes homeServerKey;      // uncompressed P-256 point
  Bytes homeServerAddress;  // "host:port", printable ASCII
  Bytes terminalProfile;    // canonical 80/81/82/83 encoding

  bool hasKey() const { return !terminalPrivateKey.empty(); }
  // ACTIVATE's precondition: everything a terminal needs to work is present.
  bool readyForActivation() const {
    return pin.set && puk.set && hasKey() && !terminalId.empty() && !homeServerKey.empty() &&
           !homeServerAddress.empty();
  }

  Bytes serialize() const;
  static std::optional<AccessCardState> deserialize(ByteView image);
  bool operator==(const AccessCardState&) const = default;
};

}  // namespace hp::card::accesscard
