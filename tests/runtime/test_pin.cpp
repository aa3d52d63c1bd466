// PinRecord and checkPin: formats, digest storage, and the persist-before-compare protocol.
#include <doctest.h>

#include <vector>

#include "pin.hpp"
#include "test_helpers.hpp"

using hp::Bytes;
using hp::bytesOf;
using namespace hp::card;

namespace {
PinRecord recordFor(const char* pin, Rng& rng) {
  PinRecord r;
  REQUIRE(r.assign(bytesOf(pin), rng));
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
  CHECK(image.size() == 3 + 16 + 32);
  const std::string asText(image.begin(), image.end());
  CHECK(asText.find("1234") == std::string::npos);
  ByteReader r(image);
  CHECK(PinRecord::read(r) == a);
  CHECK(r.ok());
  CHECK(r.atEnd());
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
