// Persistent state: malformed images, storage failures at every write, two-phase counters.
#include <doctest.h>

#include <functional>

#include "tests/accesscard/test_card.hpp"

namespace hp::card::accesscard::test {

namespace {
bool opens(const Bytes& image) {
  card::runtime::MemoryStorage storage;
  storage.setImage(image);
  base::ManualClock clock;
  auto rng = base::makeSeededRng(testSeed());
  return AccessCardApplet::open(storage, clock, *rng, hp::card::runtime::kTestPinIterations).ok();
}

Bytes withState(const Bytes& image, const std::function<void(AccessCardState&)>& change) {
  auto s = AccessCardState::deserialize(image);
  REQUIRE(s.has_value());
  change(*s);
  return s->serialize();
}

// True when `after` is `before` with exactly one retry counter one lower: the durable first
// phase of a verification whose second phase could not be stored.
bool oneTrySpent(const AccessCardState& before, const AccessCardState& after) {
  int spent = 0;
  AccessCardState normalized = after;
  if (after.pin.triesLeft + 1 == before.pin.triesLeft) {
    normalized.pin.triesLeft = before.pin.triesLeft;
    ++spent;
  }
  if (after.puk.triesLeft + 1 == before.puk.triesLeft) {
    normalized.puk.triesLeft = before.puk.triesLeft;
    ++spent;
  }
  if (after.biometric.triesLeft + 1 == before.biometric.triesLeft) {
    normalized.biometric.triesLeft = before.biometric.triesLeft;
    ++spent;
  }
  return spent == 1 && normalized == before;
}

struct Step {
  Bytes command;
  std::string sw;
};

// A whole card life in which almost every step writes: personalization, verifications
// (two-phase), changes, PUK operations, key regeneration.
std::vector<Step> lifeSteps() {
  const std::string newPuk = asciiHex("11223344");
  return {
      {apdu(0x24, 0x01, 0x81, asciiHex(kPin)), "9000"},
      {apdu(0x24, 0x01, 0x83, asciiHex(kPuk)), "9000"},
      {apdu(0x24, 0x01, 0x91, enrollmentHex(hexBytes(kTemplateHex), kThreshold)), "9000"},
      {apdu(0x47, 0x80, 0x01, "", 256), "9000"},
      {apdu(0xDA, 0xDF, 0x30, asciiHex("terminal-01")), "9000"},
      {apdu(0xDA, 0xDF, 0x31, toHex(homeServerPoint())), "9000"},
      {apdu(0xDA, 0xDF, 0x32, asciiHex("127.0.0.1:7443")), "9000"},
      {apdu(0xDA, 0xDF, 0x33, terminalProfileHex()), "9000"},
      {apdu(0x44, 0x00, 0x00), "9000"},
      {apdu(0x20, 0x00, 0x81, asciiHex("1111")), "63C2"},
      {apdu(0x20, 0x00, 0x81, asciiHex(kPin)), "9000"},
      {apdu(0x24, 0x01, 0x81, asciiHex("13579")), "9000"},
      {apdu(0x47, 0x80, 0x01, "", 256), "9000"},
      {apdu(0xDA, 0xDF, 0x32, asciiHex("10.0.0.2:7443")), "9000"},
      {apdu(0x21, 0x00, 0x91, sampleHex(sampleAtDistance(7))), "9000"},
      {apdu(0x21, 0x00, 0x91, sampleHex(sampleAtDistance(90))), "63C2"},
      {apdu(0x2C, 0x01, 0x91, asciiHex(kPuk)), "9000"},
      {apdu(0x24, 0x00, 0x83, asciiHex(kPuk) + newPuk), "9000"},
      {apdu(0x2C, 0x00, 0x81, newPuk + asciiHex(kPin)), "9000"},
      {apdu(0x2C, 0x01, 0x81, newPuk), "9000"},
      {apdu(0x20, 0x00, 0x81, asciiHex(kPin)), "9000"},
      {apdu(0x2A, 0x9E, 0x9A, toHex(Bytes(32, 0x5A)), 256), "9000"},
      {apdu(0xDA, 0xDF, 0x34, toHex(Bytes(300, 0x34))), "6A88"},  // DF 34 is gone
      {protocol::apdu::encodeCommandApdu(
           0x80, 0x50, 0x00, 0x00,
           hexBytes(std::string(15, '0') + "1" + std::string(14, '0') + "FF"), 256),
       "9000"},
      {apdu(0xDA, 0xDF, 0x34), "6A88"},
      {apdu(0x20, 0xFF, 0x81), "9000"},
  };
}
}  // namespace

TEST_CASE("open() refuses malformed state images") {
  TestCard c;
  c.personalize();
  const Bytes good = *c.storage.image();
  REQUIRE(opens(good));
  CHECK_FALSE(opens({}));
  CHECK_FALSE(opens(Bytes(good.begin(), good.end() - 1)));
  Bytes longer = good;
  longer.push_back(0);
  CHECK_FALSE(opens(longer));
  auto patched = [&](size_t offset, uint8_t value) {
    Bytes b = good;
    b[offset] = value;
    return b;
  };
  CHECK_FALSE(opens(patched(0, 4)));  // unknown format version
  CHECK_FALSE(opens(patched(0, 0)));
  CHECK_FALSE(opens(patched(1, 3)));  // unknown lifecycle
  CHECK_FALSE(opens(patched(2, 3)));  // PIN verifier tag not 0 (unset), 1 (SHA-256), 2 (PBKDF2)
  CHECK_FALSE(opens(patched(4, 4)));  // PIN tries above the maximum
  CHECK_FALSE(opens(withState(good, [](AccessCardState& s) { s.terminalPrivateKey.clear(); })));
  CHECK_FALSE(opens(withState(good, [](AccessCardState& s) {
    s.terminalPrivateKey = SecretBytes(Bytes(32, 0));  // not a valid P-256 scalar
  })));
  CHECK_FALSE(opens(withState(good, [](AccessCardState& s) { s.homeServerKey[64] ^= 1; })));
  CHECK_FALSE(opens(withState(good, [](AccessCardState& s) { s.biometric.threshold = 129; })));
  CHECK_FALSE(opens(withState(good, [](AccessCardState& s) {
    s.terminalProfile = hexBytes("830101 82020014 81020028 800101");  // not canonical
  })));
  // The storage is left alone: a refused image is never overwritten by a fresh card.
  card::runtime::MemoryStorage storage;
  storage.setImage(patched(0, 4));
  base::ManualClock clock;
  auto rng = base::makeSeededRng(1);
  CHECK_FALSE(
      AccessCardApplet::open(storage, clock, *rng, hp::card::runtime::kTestPinIterations).ok());
  CHECK(storage.stores() == 0);
}

TEST_CASE("a blank card whose first write fails does not open") {
  card::runtime::MemoryStorage storage;
  storage.failNextStores(0, 1);
  base::ManualClock clock;
  auto rng = base::makeSeededRng(1);
  CHECK_FALSE(
      AccessCardApplet::open(storage, clock, *rng, hp::card::runtime::kTestPinIterations).ok());
  CHECK_FALSE(storage.image().has_value());
}

TEST_CASE("a storage failure at each write: 6581, and old state (or one try spent), never a mix") {
  const std::vector<Step> steps = lifeSteps();
  // Reference run: how many writes each step makes.
  std::vector<size_t> writesBefore;
  size_t totalWrites = 0;
  {
    TestCard ref(testSeed());
    for (const Step& step : steps) {
      writesBefore.push_back(ref.storage.attempts());
      REQUIRE(ref.send(step.command).sw == step.sw);
    }
    totalWrites = ref.storage.attempts();
  }
  REQUIRE(totalWrites > steps.size());

  // Write 0 is open() initializing the blank card; every later write fails once in turn.
  for (size_t k = 1; k < totalWrites; ++k) {
    CAPTURE(k);
    TestCard c(testSeed());
    c.storage.failNextStores(k - c.storage.attempts(), 1);
    size_t failedStep = steps.size();
    Bytes imageBefore;
    SecurityState securityBefore = SecurityState::kLocked;
    for (size_t i = 0; i < steps.size(); ++i) {
      CAPTURE(i);
      imageBefore = c.applet->state().serialize();
      securityBefore = c.applet->security();
      const bool failsHere =
          k >= writesBefore[i] && (i + 1 == steps.size() || k < writesBefore[i + 1]);
      const Reply r = c.send(steps[i].command);
      if (failsHere) {
        CHECK(r.sw == "6581");
        failedStep = i;
        break;
      }
      REQUIRE(r.sw == steps[i].sw);
    }
    REQUIRE(failedStep < steps.size());
    CAPTURE(failedStep);
    // The live applet agrees with storage and kept its security state.
    const Bytes stored = *c.storage.image();
    CHECK(c.applet->state().serialize() == stored);
    CHECK(c.applet->security() == securityBefore);
    // Re-opened from storage: exactly the old state, or the old state with one try spent.
    c.storage.failNextStores(0, 0);
    c.reopen();
    const Bytes reopened = c.applet->state().serialize();
    CHECK(reopened == stored);
    const auto before = AccessCardState::deserialize(imageBefore);
    REQUIRE(before.has_value());
    CHECK((reopened == imageBefore || oneTrySpent(*before, c.applet->state())));
  }
}

TEST_CASE("PIN: the try is persisted before the comparison") {
  TestCard c;
  c.personalize();
  c.storage.failNextStores(0, 1);  // the decrement cannot be stored: nothing is compared
  CHECK(c.verifyPin().sw == "6581");
  CHECK(c.applet->security() == SecurityState::kLocked);
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");
  c.storage.failNextStores(0, 1);
  CHECK(c.verifyPin("0000").sw == "6581");  // a wrong PIN gets no answer either
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C3");

  c.storage.failNextStores(1, 1);  // decrement stored, restore fails: not unlocked, try spent
  CHECK(c.verifyPin().sw == "6581");
  CHECK(c.applet->security() == SecurityState::kLocked);
  c.reopen();
  CHECK(c.send(apdu(0x20, 0x00, 0x81)).sw == "63C2");
  CHECK(c.verifyPin().sw == "9000");
  CHECK(c.status(2) == 0x03);
}

TEST_CASE("biometric and PUK: the try is persisted before the comparison") {
  TestCard c;
  c.personalize();
  c.storage.failNextStores(0, 1);
  CHECK(c.verifyBio(sampleAtDistance(0)).sw == "6581");
  CHECK(c.applet->security() == SecurityState::kLocked);
  CHECK(c.status(3) == 0x03);
  c.storage.failNextStores(1, 1);
  CHECK(c.verifyBio(sampleAtDistance(0)).sw == "6581");
  CHECK(c.applet->security() == SecurityState::kLocked);
  c.reopen();
  CHECK(c.status(3) == 0x02);

  c.storage.failNextStores(0, 1);
  CHECK(c.send(apdu(0x2C, 0x01, 0x91, asciiHex(kPuk))).sw == "6581");
  CHECK(c.status(4) == 0x03);
  CHECK(c.status(3) == 0x02);
  c.storage.failNextStores(2, 1);  // PUK spent and restored, the unblock itself fails
  CHECK(c.send(apdu(0x2C, 0x01, 0x91, asciiHex(kPuk))).sw == "6581");
  CHECK(c.status(3) == 0x02);
  CHECK(c.status(4) == 0x03);
  CHECK(c.send(apdu(0x2C, 0x01, 0x91, asciiHex(kPuk))).sw == "9000");
  CHECK(c.status(3) == 0x03);
}

TEST_CASE("GENERATE KEY PAIR: a failed store keeps the old key live and stored") {
  TestCard c;
  c.personalize();
  const Reply before = c.send(apdu(0x47, 0x81, 0x01, "", 256));
  REQUIRE(c.verifyPin().sw == "9000");
  c.storage.failNextStores(0, 1);
  CHECK(c.send(apdu(0x47, 0x80, 0x01, "", 256)).sw == "6581");
  CHECK(c.send(apdu(0x47, 0x81, 0x01, "", 256)).data == before.data);
  c.reopen();
  CHECK(c.send(apdu(0x47, 0x81, 0x01, "", 256)).data == before.data);
}

}  // namespace hp::card::accesscard::test
