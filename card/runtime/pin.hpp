// Reference data (PIN, PUK) with a persistent retry counter.
//
// ISO 7816-4 11.5.6 / good card practice: the counter is decremented and persisted *before*
// the comparison, and restored only after a match, so pulling power (or kill -9) during a
// wrong guess can never grant a free try.
#pragma once

#include <array>
#include <functional>

#include "byte_codec.hpp"
#include "bytes.hpp"
#include "rng.hpp"
#include "status_word.hpp"

namespace hp::card {

struct PinRecord {
  static constexpr uint8_t kDefaultTries = 3;

  bool set = false;
  uint8_t maxTries = kDefaultTries;
  uint8_t triesLeft = kDefaultTries;
  std::array<uint8_t, 16> salt{};
  std::array<uint8_t, 32> digest{};  // SHA-256(salt || value): the value itself is never stored

  bool blocked() const { return set && triesLeft == 0; }
  // Sets a new value (salt from rng) and restores the full retry count.
  bool assign(ByteView value, Rng& rng);
  // Constant-time comparison against the stored digest.
  bool matches(ByteView candidate) const;

  void write(ByteWriter& w) const;
  static PinRecord read(ByteReader& r);
  bool operator==(const PinRecord&) const = default;
};

// 4 to 8 ASCII digits, no padding (the format of both PINs and of the access card PIN).
bool isValidPinFormat(ByteView value);
// Exactly 8 ASCII digits.
bool isValidPukFormat(ByteView value);

// The two-phase verification. `persist` stores a changed record atomically and returns false
// when storage fails. Returns 9000 on a match, 63Cx on a mismatch (x tries left), 6983 when
// blocked, 6581 when the counter could not be persisted (nothing compared then).
struct PinCheck {
  StatusWord sw;
  bool matched;
};
PinCheck checkPin(const PinRecord& current, ByteView candidate,
                  const std::function<bool(const PinRecord&)>& persist);

}  // namespace hp::card
