// The answer to a PIN (or biometric) verification, as both card clients report it: a wrong PIN
// and a blocked one are outcomes the caller must show the user, not errors.
#pragma once

#include <cstdint>

namespace hp::card_adapters {

struct PinVerification {
  enum class Outcome { kVerified, kWrong, kBlocked };
  Outcome outcome = Outcome::kWrong;
  uint8_t triesLeft = 0;  // after this attempt (kWrong), 0 when blocked

  bool verified() const { return outcome == Outcome::kVerified; }
  bool blocked() const { return outcome == Outcome::kBlocked; }
};

}  // namespace hp::card_adapters
