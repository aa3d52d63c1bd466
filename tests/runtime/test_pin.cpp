// PinRecord and checkPin: formats, digest storage, and the persist-before-compare protocol.
#include <doctest.h>

#include <vector>

#include "card/runtime/pin.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using hp::base::bytesOf;
using namespace hp::base;
using namespace hp::card::runtime;
using namespace hp::protocol::apdu;

namespace {
PinRecord recordFor(const char* pin, Rng& rng) {
  PinRecord r;
  REQUIRE(r.assign(bytesOf(pin), rng, kTestPinIterations));
  return r;
}

// A persist callback that records every record it is asked to store and can fail on demand.
struct Persister {
  std::vector<PinRecord> stored;
  std::vector<bool> outcomes;  // per call; true when absent
  bool operator()(const PinRecord& r) {
    const size_t call = stored.size();
    stored.push_back(r);
    return call < outcomes.size() ? outcomes[call] : true;
  }
  std::function<bool(const PinRecord&)> fn() {
    return [this](const PinRecord& r) { return (*this)(r); };
  }
};
}  // namespace

TEST_CASE("PIN and PUK formats") {
  CHECK(isValidPinFormat(bytesOf("1234")));
  CHECK(isValidPinFormat(bytesOf("12345678")));
  CHECK_FALSE(isValidPinFormat(bytesOf("123")));
  CHECK_FALSE(isValidPinFormat(bytesOf("123456789")));
  CHECK_FALSE(isValidPinFormat(bytesOf("12a4")));
  CHECK_FALSE(isValidPinFormat(bytesOf("1234 ")));
  CHECK_FALSE(isValidPinFormat(Bytes{'1', '2', '3', '4', 0xFF}));
  CHECK_FALSE(isValidPinFormat({}));
  CHECK(isValidPukFormat(bytesOf("12345678")));
  CHECK_FALSE(isValidPukFormat(bytesOf("1234567")));
  CHECK_FALSE(isValidPukFormat(bytesOf("123456789")));
  CHECK_FALSE(isValidPukFormat(bytesOf("1234567/")));
}

TEST_CASE("PinRecord stores a salted digest, never the value") {
  auto rng = makeSeededRng(1);
  const PinRecord a = recordFor("1234", *rng);
  const PinRecord b = recordFor("1234", *rng);
  CHECK(a.set);
  CHECK(a.triesLeft == PinRecord::kDefaultTries);
  CHECK(a.salt != b.salt);      // fresh salt per assignment
  CHECK(a.digest != b.digest);  // so equal PINs do not have equal digests
  CHECK(a.matches(bytesOf("1234")));
  CHECK_FALSE(a.matches(bytesOf("1235")));
  CHECK_FALSE(a.matches(bytesOf("12345")));
  CHECK_FALSE(PinRecord{}.matches(bytesOf("")));

  ByteWriter w;
  a.write(w);
  const Bytes image = w.take();
  CHECK(image.size() == 3 + 16 + 32 + 4);  // + the PBKDF2 iteration count
  const std::string asText(image.begin(), image.end());
  CHECK(asText.find("1234") == std::string::npos);
  ByteReader r(image);
  CHECK(PinRecord::read(r) == a);
  CHECK(r.ok());
  CHECK(r.atEnd());
}

TEST_CASE("the verifier is PBKDF2-HMAC-SHA256 with the iteration count stored with it") {
  auto rng = makeSeededRng(3);
  PinRecord p;
  REQUIRE(p.assign(bytesOf("1234"), *rng, 1000));
  CHECK(p.iterations == 1000);
  // Same salt, other count: another verifier, so the count really is an input.
  PinRecord q = p;
  q.iterations = 999;
  CHECK_FALSE(q.matches(bytesOf("1234")));
  CHECK(p.matches(bytesOf("1234")));
  CHECK_FALSE(PinRecord().assign(bytesOf("1234"), *rng, 0));
  ByteWriter w;
  p.write(w);
  Bytes image = w.take();
  CHECK(image[0] == 2);
  CHECK(Bytes(image.end() - 4, image.end()) == hp::test::hex("00 00 03 E8"));
  image[image.size() - 4] = 0xFF;  // a count beyond kMaxPinIterations
  ByteReader r(image);
  (void)PinRecord::read(r);
  CHECK_FALSE(r.ok());
  CHECK(kProductPinIterations >= 50000);
}

TEST_CASE("an old SHA-256 verifier is read, checked, and replaced at the next good verify") {
  // The old layout: set=1, max, left, salt 00.., SHA-256(salt || "1234") (Python hashlib).
  Bytes old = hp::test::hex("01 03 02");
  old.resize(3 + 16, 0);
  const Bytes digest =
      hp::test::hex("E4AE0C82639990744974CC3495A82432D8C5366E5E5F1796B2F9A36AD12664B5");
  old.insert(old.end(), digest.begin(), digest.end());
  ByteReader r(old);
  const PinRecord legacy = PinRecord::read(r);
  REQUIRE(r.ok());
  REQUIRE(r.atEnd());
  CHECK(legacy.iterations == 0);
  CHECK(legacy.triesLeft == 2);
  auto rng = makeSeededRng(4);
  const PinUpgrade upgrade{*rng, 100};
  Persister persist;
  CHECK_FALSE(checkPin(legacy, bytesOf("1235"), persist.fn(), &upgrade).matched);
  CHECK(persist.stored.back().iterations == 0);  // a wrong value changes only the counter
  Persister good;
  const auto check = checkPin(legacy, bytesOf("1234"), good.fn(), &upgrade);
  REQUIRE(check.matched);
  const PinRecord upgraded = good.stored.back();
  CHECK(upgraded.iterations == 100);
  CHECK(upgraded.triesLeft == PinRecord::kDefaultTries);
  CHECK(upgraded.salt != legacy.salt);
  CHECK(upgraded.matches(bytesOf("1234")));
}

TEST_CASE("checkPin: match restores the counter, mismatch spends a try") {
  auto rng = makeSeededRng(2);
  PinRecord pin = recordFor("4321", *rng);
  Persister persist;

  auto wrong = checkPin(pin, bytesOf("0000"), persist.fn());
  CHECK(wrong.sw == 0x63C2);
  CHECK_FALSE(wrong.matched);
  REQUIRE(persist.stored.size() == 1);
  CHECK(persist.stored[0].triesLeft == 2);
  pin = persist.stored.back();

  auto right = checkPin(pin, bytesOf("4321"), persist.fn());
  CHECK(right.sw == sw::kOk);
  CHECK(right.matched);
  // Phase 1 spent a try (2 -> 1) durably, phase 2 restored the full count.
  REQUIRE(persist.stored.size() == 3);
  CHECK(persist.stored[1].triesLeft == 1);
  CHECK(persist.stored[2].triesLeft == 3);
}

TEST_CASE("checkPin: three wrong tries block, then even the right PIN is refused") {
  auto rng = makeSeededRng(3);
  PinRecord pin = recordFor("1111", *rng);
  Persister persist;
  for (unsigned left : {2u, 1u, 0u}) {
    auto r = checkPin(pin, bytesOf("2222"), persist.fn());
    CHECK(r.sw == sw::verifyFailed(left));
    pin = persist.stored.back();
  }
  CHECK(pin.blocked());
  const size_t callsBefore = persist.stored.size();
  auto r = checkPin(pin, bytesOf("1111"), persist.fn());
  CHECK(r.sw == sw::kAuthenticationMethodBlocked);
  CHECK_FALSE(r.matched);
  CHECK(persist.stored.size() == callsBefore);  // nothing stored for a blocked PIN
}

TEST_CASE("checkPin: a failed first persist gives 6581 and no comparison") {
  auto rng = makeSeededRng(4);
  const PinRecord pin = recordFor("1234", *rng);
  Persister persist;
  persist.outcomes = {false};
  // The right PIN: if it were compared before persisting, this would match.
  auto r = checkPin(pin, bytesOf("1234"), persist.fn());
  CHECK(r.sw == sw::kMemoryFailure);
  CHECK_FALSE(r.matched);
  CHECK(persist.stored.size() == 1);  // no restoring second store: the comparison never ran
  // A wrong PIN gives the same answer: nothing about the candidate leaks.
  Persister again;
  again.outcomes = {false};
  CHECK(checkPin(pin, bytesOf("9999"), again.fn()).sw == sw::kMemoryFailure);
}

TEST_CASE("checkPin: a failed restoring persist gives 6581 and no success") {
  auto rng = makeSeededRng(5);
  const PinRecord pin = recordFor("1234", *rng);
  Persister persist;
  persist.outcomes = {true, false};
  auto r = checkPin(pin, bytesOf("1234"), persist.fn());
  CHECK(r.sw == sw::kMemoryFailure);
  CHECK_FALSE(r.matched);
}

TEST_CASE("checkPin: an unset reference is not usable") {
  Persister persist;
  CHECK(checkPin(PinRecord{}, bytesOf("1234"), persist.fn()).sw == sw::kReferenceDataNotUsable);
  CHECK(persist.stored.empty());
}
