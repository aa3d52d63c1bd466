// In-process access card for the unit tests: CardRuntime + AccessCardApplet over MemoryStorage,
// ManualClock and a seeded RNG (HP_TEST_SEED overrides the seed; it is printed once).
#pragma once

#include <doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "base/rng.hpp"
#include "card/accesscard/access_card_applet.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/storage.hpp"

namespace hp::card::accesscard::test {

uint64_t testSeed();

// "2468" -> "32343638"
std::string asciiHex(std::string_view text);
Bytes hexBytes(std::string_view hex);
std::string swHex(uint16_t sw);

inline constexpr std::string_view kPin = "2468";
inline constexpr std::string_view kPuk = "87654321";
inline constexpr uint8_t kThreshold = 40;
// The enrolled 32-byte template (also in apdu_specs/scenarios/accesscard/00-personalize.json).
inline constexpr std::string_view kTemplateHex =
    "5A3C96E1 0F7B2D48 C3A5197E 6B0D82F4 1E9C7A35 D2486BF0 93E1C75A 2F6D0B84";

// Template with the first `bits` bits flipped (Hamming distance exactly `bits`).
Bytes sampleAtDistance(unsigned bits);
// 7F2E { 81 20 code [82 01 T] } as hex.
std::string enrollmentHex(ByteView code, uint8_t threshold);
std::string sampleHex(ByteView code);
// Builds an APDU; data given as hex; ne = 0 means no Le.
Bytes apdu(uint8_t ins, uint8_t p1, uint8_t p2, std::string_view dataHex = "", uint32_t ne = 0);
// A valid P-256 point to use as the home server key.
Bytes homeServerPoint();
std::string terminalProfileHex();  // phone, 40 x 20, narrow

// The seeded generator, with a switch that makes it fail (as mbedTLS's f_rng may).
class SwitchableRng final : public base::Rng {
 public:
  explicit SwitchableRng(std::unique_ptr<base::Rng> inner) : inner_(std::move(inner)) {}
  int fill(uint8_t* out, size_t size) override { return failing ? -1 : inner_->fill(out, size); }
  bool failing = false;

 private:
  std::unique_ptr<base::Rng> inner_;
};

struct Reply {
  Bytes data;
  std::string sw;
};

class TestCard {
 public:
  explicit TestCard(uint64_t seed = testSeed());
  // The applet holds references to storage and clock: a TestCard stays where it was made.
  TestCard(const TestCard&) = delete;
  TestCard& operator=(const TestCard&) = delete;

  Reply send(const Bytes& apdu);
  // Follows 61xx with GET RESPONSE.
  Reply transceive(const Bytes& apdu);
  void select();
  // Drops applet and runtime and opens them again from the same storage (a restart).
  void reopen();

  // PIN, PUK, template, key, ID, home key and address, profile, ACTIVATE; leaves it locked.
  void personalize();
  Reply verifyPin(std::string_view pin = kPin);
  Reply verifyBio(ByteView sample);
  // A value of the status object DF01 (0 lifecycle, 1 security, 2 PIN, 3 bio, 4 PUK tries,
  // 5 flags).
  uint8_t status(size_t index);

  card::runtime::MemoryStorage storage;
  base::ManualClock clock;
  std::unique_ptr<SwitchableRng> rng;
  std::unique_ptr<AccessCardApplet> applet;
  std::unique_ptr<card::runtime::CardRuntime> runtime;
};

}  // namespace hp::card::accesscard::test
