// Reference data (PIN, PUK) with a persistent retry counter.
//
// ISO 7816-4 11.5.6 / good card practice: the counter is decremented and persisted *before*
// the comparison, and restored only after a match, so pulling power (or kill -9) during a
// wrong guess can never grant a free try.
#pragma once

#include <array>
#include <functional>

#include "base/byte_codec.hpp"
#include "base/bytes.hpp"
#include "base/pin_format.hpp"  // the format rules, shared with the home server
#include "base/rng.hpp"
#include "protocol/apdu/status_word.hpp"

namespace hp::card::runtime {

// PBKDF2-HMAC-SHA256 iterations of a new verifier in the product cards: ~60 ms per verify on
// the development machine (docs/design.md, "Trust boundary", for the measurement and the
// brute-force cost). Tests and fuzzers inject a small count; the card processes never do.
inline constexpr uint32_t kProductPinIterations = 60000;
inline constexpr uint32_t kMaxPinIterations = 10000000;
// For unit tests and fuzzers only: cheap verifiers, same code path.
inline constexpr uint32_t kTestPinIterations = 2;

struct PinRecord {
  static constexpr uint8_t kDefaultTries = 3;

  bool set = false;
  uint8_t maxTries = kDefaultTries;
  uint8_t triesLeft = kDefaultTries;
  std::array<uint8_t, 16> salt{};
  // PBKDF2-HMAC-SHA256(value, salt, iterations); iterations 0 marks the old verifier
  // SHA-256(salt || value), still read from older state and replaced at the next good verify.
  // The value itself is never stored.
  std::array<uint8_t, 32> digest{};
  uint32_t iterations = 0;

  bool blocked() const { return set && triesLeft == 0; }
  // Sets a new value (fresh salt from rng) and restores the full retry count.
  bool assign(ByteView value, Rng& rng, uint32_t kdfIterations = kProductPinIterations);
  // Constant-time comparison against the stored verifier, at the record's own cost.
  bool matches(ByteView candidate) const;

  void write(ByteWriter& w) const;
  static PinRecord read(ByteReader& r);
  bool operator==(const PinRecord&) const = default;
};

// The two-phase verification. `persist` stores a changed record atomically and returns false
// when storage fails. Returns 9000 on a match, 63Cx on a mismatch (x tries left), 6983 when
// blocked, 6581 when the counter could not be persisted (nothing compared then).
// With `upgrade`, a match against a verifier weaker than upgrade->iterations (an old SHA-256
// one, or a lower count) stores a new verifier of the matched value in the same write that
// restores the counter.
struct PinCheck {
  protocol::apdu::StatusWord sw;
  bool matched;
};
struct PinUpgrade {
  Rng& rng;
  uint32_t iterations;
};
PinCheck checkPin(const PinRecord& current, ByteView candidate,
                  const std::function<bool(const PinRecord&)>& persist,
                  const PinUpgrade* upgrade = nullptr);

}  // namespace hp::card::runtime
