// Persistence: the state image format, a storage failure at every write, and the retry counter
// that is stored before the comparison.
#include <functional>
#include <vector>

#include "base/ec_key.hpp"
#include "base/tlv.hpp"
#include "card/homecard/home_card_state.hpp"
#include "protocol/apdu/command_apdu.hpp"
#include "tests/homecard/test_card.hpp"

using hp::base::Bytes;
using hp::base::toHex;
using hp::card::homecard::HomeCardApplet;
using hp::card::homecard::HomeCardState;
using hp::card::homecard::test::asciiHex;
using hp::card::homecard::test::hexBytes;
using hp::card::homecard::test::kPin1;
using hp::card::homecard::test::kPin2;
using hp::card::homecard::test::kPuk;
using hp::card::homecard::test::TestCard;
using hp::card::homecard::test::testSeed;

namespace {
bool opens(const Bytes& image) {
  hp::card::runtime::MemoryStorage storage;
  storage.setImage(image);
  hp::base::ManualClock clock;
  auto rng = hp::base::makeSeededRng(1);
  return HomeCardApplet::open(storage, clock, *rng, hp::card::runtime::kTestPinIterations).ok();
}

// Records every image that was stored successfully, in order.
class RecordingStorage final : public hp::card::runtime::Storage {
 public:
  hp::base::Result<std::optional<Bytes>> load() override { return inner.load(); }
  hp::base::Result<void> store(hp::base::ByteView image) override {
    auto r = inner.store(image);
    if (r) images.emplace_back(image.begin(), image.end());
    return r;
  }
  hp::card::runtime::MemoryStorage inner;
  std::vector<Bytes> images;
};

struct Step {
  std::string apdu;
  std::string sw;  // the answer without failures
};

// A scenario touching every kind of persistent change. Run on a fresh card after SELECT.
std::vector<Step> scenario(const Bytes& registryPoint) {
  Bytes entry = hp::base::makeTlv(0xC0, hp::base::bytesOf("T1"));
  hp::base::appendTlv(entry, 0xC1, registryPoint);
  return {
      {"00 24 01 81 06" + asciiHex(kPin1), "9000"},
      {"00 24 01 82 06" + asciiHex(kPin2), "9000"},
      {"00 24 01 83 08" + asciiHex(kPuk), "9000"},
      {"00 44 00 00", "9000"},
      {"00 20 00 81 06" + asciiHex(kPin1), "9000"},
      {"00 20 00 82 04" + asciiHex("0000"), "63C2"},
      {"00 20 00 82 06" + asciiHex(kPin2), "9000"},
      {"00 24 01 81 04" + asciiHex("2468"), "9000"},
      {"00 47 80 01 00", "9000"},
      {"00 DA DF 21 04 30 02 05 00", "9000"},
      {"80 E2 01 00 " + toHex(Bytes{static_cast<uint8_t>(entry.size())}) + toHex(entry), "9000"},
      {"80 E4 01 00 02" + asciiHex("T1"), "9000"},
      {"00 24 00 83 10" + asciiHex(kPuk) + asciiHex("87654321"), "9000"},
      {"00 2C 00 82 0C" + asciiHex("87654321") + asciiHex("1357"), "9000"},
      {"00 47 80 01 00", "9000"},
      {"00 DA DF 21", "9000"},
  };
}

std::string sendSw(hp::card::runtime::CardRuntime& runtime, const std::string& hex) {
  const auto r = runtime.process(hexBytes(hex));
  return hp::card::homecard::test::swHex(r.sw);
}

const char* kSelect = "00 A4 04 0C 0A F0 48 4F 4D 45 43 41 52 44 01";
}  // namespace

TEST_SUITE("storage") {
  TEST_CASE("the state image round-trips and malformed images are refused by open()") {
    TestCard card(hp::card::homecard::test::cardWithKeysImage());
    card.select();
    card.verifyPin1();
    CHECK(card.send("00 DA DF 21 04 30 02 05 00").sw == "9000");
    const Bytes image = *card.storage.image();
    const auto parsed = HomeCardState::deserialize(image);
    REQUIRE(parsed.has_value());
    CHECK(parsed->serialize() == image);
    CHECK(card.applet->state().serialize() == image);
    CHECK(opens(image));

    CHECK_FALSE(opens(Bytes{}));
    CHECK_FALSE(opens(Bytes(image.begin(), image.end() - 1)));  // truncated
    Bytes longer = image;
    longer.push_back(0);
    CHECK_FALSE(opens(longer));                  // trailing byte
    for (size_t index : {0u, 1u, 2u, 3u, 4u}) {  // magic, version, lifecycle, first section tag
      CAPTURE(index);
      Bytes damaged = image;
      damaged[index] ^= 0x40;
      CHECK_FALSE(opens(damaged));
    }
    // A retry counter above its maximum (PIN1: set, maxTries, triesLeft after the tag).
    Bytes tries = image;
    tries[7] = 9;
    CHECK_FALSE(opens(tries));
    // A purse section that is not a purse.
    Bytes purse = image;
    purse.back() = 1;
    purse.push_back(0xAA);
    CHECK_FALSE(opens(purse));
    // An EC private scalar that is not a valid key (zero) is refused at open, not at signing.
    HomeCardState broken = *parsed;
    broken.ecPrivate = hp::base::SecretBytes(Bytes(32, 0));
    CHECK_FALSE(opens(broken.serialize()));
    // An operational card without its PINs cannot exist.
    HomeCardState noPins = *parsed;
    noPins.pin2 = hp::card::runtime::PinRecord{};
    CHECK_FALSE(opens(noPins.serialize()));
    // A registry entry that is too long.
    HomeCardState longId = *parsed;
    longId.registries[0].push_back({Bytes(33, 1), Bytes(65, 4)});
    CHECK_FALSE(opens(longId.serialize()));
  }

  TEST_CASE("the retry counter is stored before the comparison") {
    TestCard card;
    card.personalize();
    // The decrement cannot be stored: 6581 and the PIN is NOT verified, no try spent.
    card.storage.failNextStores(0, 1);
    CHECK(card.send("00 20 00 81 06" + asciiHex(kPin1)).sw == "6581");
    CHECK(card.status(1) == 0x00);
    CHECK(card.send("00 20 00 81").sw == "63C3");
    // The decrement is stored but restoring it is not: still not verified, one try spent.
    card.storage.failNextStores(1, 1);
    CHECK(card.send("00 20 00 81 06" + asciiHex(kPin1)).sw == "6581");
    CHECK(card.status(1) == 0x00);
    card.reopen();
    card.select();
    CHECK(card.send("00 20 00 81").sw == "63C2");
    // A wrong guess whose decrement fails costs nothing and tells nothing.
    card.storage.failNextStores(0, 1);
    CHECK(card.send("00 20 00 81 04" + asciiHex("0000")).sw == "6581");
    CHECK(card.send("00 20 00 81").sw == "63C2");
    card.verifyPin1();
    CHECK(card.status(2) == 3);
  }

  TEST_CASE(
      "a storage failure at each write: 6581, storage holds the last good image, "
      "memory agrees, the card goes on") {
    // Reference run: every stored image and every answer, without failures.
    const uint64_t seed = testSeed();
    auto pointRng = hp::base::makeSeededRng(seed ^ 0x5EED);
    auto pointKey = hp::base::EcKeyPair::generate(*pointRng);
    REQUIRE(pointKey.ok());
    const std::vector<Step> steps = scenario(pointKey.value()->publicPoint());

    RecordingStorage reference;
    {
      hp::base::ManualClock clock;
      auto rng = hp::base::makeSeededRng(seed);
      auto applet =
          HomeCardApplet::open(reference, clock, *rng, hp::card::runtime::kTestPinIterations);
      REQUIRE(applet.ok());
      hp::card::runtime::CardRuntime runtime(hp::card::homecard::homeCardAtr(),
                                             {applet.value().get()});
      REQUIRE(sendSw(runtime, kSelect) == "9000");
      for (const Step& step : steps) {
        CAPTURE(step.apdu);
        REQUIRE(sendSw(runtime, step.apdu) == step.sw);
      }
    }
    // images[0] is the blank card stored by open(); the scenario's writes follow.
    const size_t writes = reference.images.size() - 1;
    CHECK(writes >= steps.size());
    MESSAGE("failure injected at each of ", writes, " writes");

    for (size_t k = 0; k < writes; ++k) {
      CAPTURE(k);
      hp::card::runtime::MemoryStorage storage;
      hp::base::ManualClock clock;
      auto rng = hp::base::makeSeededRng(seed);
      auto applet =
          HomeCardApplet::open(storage, clock, *rng, hp::card::runtime::kTestPinIterations);
      REQUIRE(applet.ok());
      hp::card::runtime::CardRuntime runtime(hp::card::homecard::homeCardAtr(),
                                             {applet.value().get()});
      REQUIRE(sendSw(runtime, kSelect) == "9000");
      storage.failNextStores(k, 1);
      const size_t before = storage.attempts();
      bool failed = false;
      for (const Step& step : steps) {
        CAPTURE(step.apdu);
        const std::string sw = sendSw(runtime, step.apdu);
        if (storage.attempts() - before <= k) {
          REQUIRE(sw == step.sw);  // the failure has not come yet
          continue;
        }
        failed = true;
        CHECK(sw == "6581");
        // Storage holds exactly the last image written before the failure: no mix.
        REQUIRE(storage.image().has_value());
        CHECK(*storage.image() == reference.images[k]);
        // The live applet agrees with storage...
        CHECK(applet.value()->state().serialize() == *storage.image());
        // ...and so does a card restarted from that storage.
        hp::card::runtime::MemoryStorage copy;
        copy.setImage(*storage.image());
        hp::base::ManualClock clock2;
        auto rng2 = hp::base::makeSeededRng(seed + 1);
        auto reopened =
            HomeCardApplet::open(copy, clock2, *rng2, hp::card::runtime::kTestPinIterations);
        REQUIRE(reopened.ok());
        CHECK(reopened.value()->state().serialize() == *storage.image());
        // The card is still usable: the same command now succeeds as in the reference run.
        CHECK(sendSw(runtime, step.apdu) == step.sw);
        break;
      }
      CHECK(failed);
    }
  }
}
