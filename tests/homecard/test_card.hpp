// In-process home card for the unit tests: CardRuntime + HomeCardApplet over MemoryStorage,
// ManualClock and a seeded RNG. APDUs are written as hex; PINs as "${ascii}" via asciiHex().
#pragma once

#include <doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "base/rng.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/storage.hpp"

namespace hp::card::homecard::test {

// The seed of every RNG in this test binary: HP_TEST_SEED if set, else random; printed once.
uint64_t testSeed();

// "123456" -> "313233343536"
std::string asciiHex(std::string_view text);
Bytes hexBytes(std::string_view hex);
std::string swHex(uint16_t sw);
// Hex as the card would print it (upper case, no spaces), for readable comparisons.
std::string norm(std::string_view hex);

inline constexpr std::string_view kPin1 = "123456";
inline constexpr std::string_view kPin2 = "654321";
inline constexpr std::string_view kPuk = "12345678";

struct Reply {
  Bytes data;
  std::string sw;  // four upper-case hex digits, so failures print readably
};

class TestCard {
 public:
  // A blank card (new, in personalization), or one whose storage holds `image`.
  explicit TestCard(std::optional<Bytes> image = std::nullopt, uint64_t seed = testSeed());

  // One command APDU exactly as given (hex), no GET RESPONSE.
  Reply send(std::string_view hex);
  Reply send(const Bytes& apdu);
  // The same, but follows 61xx with GET RESPONSE until the whole answer is in.
  Reply transceive(std::string_view hex);
  Reply transceive(const Bytes& apdu);

  // Drops the applet and runtime and opens them again from the same storage (a restart).
  void reopen();
  void select();
  // PIN1 123456, PIN2 654321, PUK 12345678, ACTIVATE; leaves the card selected and inhibited.
  void personalize();
  void verifyPin1();
  void verifyPin2();
  // Byte `index` of the GET DATA status template's values (0 lifecycle, 1 security, 2 PIN1
  // tries, 3 PIN2 tries, 4 PUK tries, 5 keys).
  uint8_t status(size_t index);

  card::runtime::MemoryStorage storage;
  base::ManualClock clock;
  std::unique_ptr<base::Rng> rng;
  std::unique_ptr<HomeCardApplet> applet;
  std::unique_ptr<card::runtime::CardRuntime> runtime;
};

// Storage image of a personalized card with both keys generated (RSA-2048 generation is slow,
// so it happens once per test binary). The card it came from was left inhibited.
const Bytes& cardWithKeysImage();

}  // namespace hp::card::homecard::test
