// ATR, hex helpers, secrets, RNG determinism and the manual clock.
#include <doctest.h>

#include "base/bytes.hpp"
#include "base/clock.hpp"
#include "base/rng.hpp"
#include "card/runtime/atr.hpp"
#include "protocol/apdu/status_word.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using hp::test::hex;
using namespace hp::base;
using namespace hp::card::runtime;
using namespace hp::protocol::apdu;

TEST_CASE("makeAtr: T=1, historical bytes, TCK makes the XOR from T0 zero") {
  const Bytes atr = makeAtr("HOMECARD");
  Bytes expected = hex("3B 88 80 01 48 4F 4D 45 43 41 52 44");
  uint8_t tck = 0;
  for (size_t i = 1; i < expected.size(); ++i) tck ^= expected[i];
  expected.push_back(tck);
  CHECK(atr == expected);
  uint8_t x = 0;
  for (size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
  CHECK(x == 0);
  const Bytes empty = makeAtr("");
  CHECK(empty == hex("3B 80 80 01 01"));
  // At most 15 historical bytes: T0's low nibble cannot say more.
  const Bytes longAtr = makeAtr("ABCDEFGHIJKLMNOPQRS");
  CHECK(longAtr.size() == 4 + 15 + 1);
  CHECK(longAtr[1] == 0x8F);
}

TEST_CASE("hex helpers") {
  CHECK(hp::base::toHex(hex("00 9f A0")) == "009FA0");
  CHECK(hp::base::toSpacedHex(hex("009FA0")) == "00 9F A0");
  CHECK(hp::base::fromHex("0a:0B\t0c\n") == hex("0A0B0C"));
  CHECK_FALSE(hp::base::fromHex("ABC").has_value());
  CHECK_FALSE(hp::base::fromHex("0G").has_value());
  CHECK(hp::base::fromHex("")->empty());
}

TEST_CASE("SecretBytes wipes on clear and compares by content") {
  hp::base::SecretBytes s(hex("01 02 03"));
  hp::base::SecretBytes t(hex("01 02 03"));
  CHECK(s == t);
  hp::base::SecretBytes moved(std::move(t));
  CHECK(t.empty());  // NOLINT(bugprone-use-after-move): the moved-from buffer is emptied
  CHECK(moved == s);
  s.clear();
  CHECK(s.empty());
  CHECK(hp::base::constantTimeEqual(hex("0102"), hex("0102")));
  CHECK_FALSE(hp::base::constantTimeEqual(hex("0102"), hex("0103")));
  CHECK_FALSE(hp::base::constantTimeEqual(hex("0102"), hex("010200")));
}

TEST_CASE("seeded RNG is reproducible, different seeds differ") {
  auto a = makeSeededRng(99);
  auto b = makeSeededRng(99);
  auto c = makeSeededRng(100);
  const Bytes fromA = a->bytes(2000);  // above one CTR_DRBG request
  CHECK(fromA == b->bytes(2000));
  CHECK(fromA != c->bytes(2000));
  auto system = makeSystemRng();
  REQUIRE(system.ok());
  CHECK(system.value()->bytes(32).size() == 32);
}

TEST_CASE("the kernel-seeded RNG gives different bytes per generator and per call") {
  auto a = makeKernelSeededRng();
  auto b = makeKernelSeededRng();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const Bytes first = a.value()->bytes(2000);  // above one CTR_DRBG request
  REQUIRE(first.size() == 2000);
  CHECK(first != a.value()->bytes(2000));
  CHECK(first != b.value()->bytes(2000));
  CHECK(first != Bytes(2000, 0));
}

TEST_CASE("ManualClock moves only when told") {
  ManualClock clock;
  const uint64_t start = clock.nowMs();
  CHECK(clock.nowMs() == start);
  clock.advanceMs(5);
  CHECK(clock.nowMs() == start + 5);
  clock.advanceMinutes(10);
  CHECK(clock.nowMs() == start + 5 + 600'000);
}

TEST_CASE("status word helpers") {
  CHECK(sw::verifyFailed(2) == 0x63C2);
  CHECK(sw::bytesRemaining(0x2C) == 0x612C);
  CHECK(sw::bytesRemaining(256) == 0x6100);
  CHECK(sw::bytesRemaining(1000) == 0x6100);
  CHECK(sw::wrongLe(0x20) == 0x6C20);
  CHECK(sw::wrongLe(256) == 0x6C00);
}
