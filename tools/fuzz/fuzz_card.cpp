// libFuzzer target: the real cards. One CardRuntime holds BOTH applets (home card and access
// card, each on its own MemoryStorage), with a ManualClock and a seeded Rng, and is fed the
// APDU / reset / power / clock-jump / storage-failure / restart records of fuzz_session.hpp.
//
// Input: byte 0 chooses the starting card memory (bit 0: home card personalized, activated,
// with an EC and an RSA key; bit 1: access card personalized and activated; clear: blank card in
// personalization); the records follow.
//
// Checked after every reset, power-off, power-on and restart: nothing is selected and both
// applets are back in their initial security state (inhibited / locked).
// Checked after every APDU, beyond the response checks of fuzz_session.hpp:
//  - memory and storage never disagree: the live state serializes to the stored image;
//  - the stored image always re-opens (a restarted card process would start), into the same
//    state, and GET DATA status (DF01) of the re-opened applet shows the live persistent fields
//    (lifecycle, retry counters, keys) with the security state back to its initial value.
//
// Bounded work: RSA key generation (home card GENERATE with P2 = 02) takes seconds, so such
// commands are skipped; the RSA key is instead pre-loaded in the personalized starting state
// (a fixed test key, below), so RSA signatures are still fuzzed.
#include <memory>
#include <optional>

#include "base/clock.hpp"
#include "base/rng.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/storage.hpp"
#include "tools/fuzz/fuzz_session.hpp"
#ifdef HP_FUZZ_WITH_ACCESSCARD
#include "card/accesscard/access_card_applet.hpp"
#endif

namespace {

using hp::base::Bytes;
using hp::base::ByteView;
using hp::card::runtime::MemoryStorage;

Bytes hex(const char* text) {
  auto bytes = hp::base::fromHex(text);
  FUZZ_CHECK(bytes.has_value());
  return *bytes;
}

// A fixed RSA-2048 test key (openssl genrsa), used only to pre-load the fuzzed card.
constexpr const char* kTestRsaP =
    "f6a828711960cb59e1bef83bf6868c1c33c6c9b6471cd0525fb33c1d79c8af0596ec17dd2f8b9d00c62905101d30"
    "0cea243b03d847784c855181bade2a8e80dca67155cbe92e70592ef5f1f4cfd5352b2e393f65b2af0e4c810d6c4a"
    "963a9d059b0bfc42e6f98c536e5793d66be4e4dbe5eb13dedfdabe8300509d53582d7871";
constexpr const char* kTestRsaQ =
    "d0e4a10d1e7e2f0426ccdf4164610d1cf1e2be40efd0af05e0e13957ba4575b9b8deca0f4e7ba4eaadee295aa6f0"
    "21afbb1894818d8e07f87e3c95ec25ea4bce0d880b334a16f88e56bf9731d61b79903c438588be1c62b19acb7f86"
    "be55a40133798e5d59008dfc6a42fc5efd35dae7abfe2ce47e40495e6d293d97908f5f2f";
// The P-256 base point G: a valid public key for the access card's home server key.
constexpr const char* kP256Generator =
    "04 6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
    "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5";

void expectOk(hp::card::runtime::CardRuntime& runtime, const Bytes& apdu, const char* what) {
  const Bytes r = runtime.transmit(apdu);
  if (r.size() < 2 || r[r.size() - 2] != 0x90 || r[r.size() - 1] != 0x00) {
    std::fprintf(stderr, "fuzz_card: personalizing the starting state: %s answered %s\n", what,
                 hp::base::toHex(r).c_str());
    std::abort();
  }
}

// Card images of the personalized starting states, built once per process through the applets
// themselves (so they follow whatever format the applets write).
struct StartImages {
  Bytes home;
  Bytes access;
};

const StartImages& startImages() {
  static const StartImages images = [] {
    StartImages out;
    hp::base::ManualClock clock;
    auto rng = hp::base::makeSeededRng(1);
    {
      MemoryStorage storage;
      auto applet = hp::card::homecard::HomeCardApplet::open(storage, clock, *rng,
                                                             hp::card::runtime::kTestPinIterations);
      FUZZ_CHECK(applet.ok());
      hp::card::runtime::CardRuntime runtime(hp::card::homecard::homeCardAtr(),
                                             {applet.value().get()});
      expectOk(runtime, hex("00 A4 04 0C 0A F0 48 4F 4D 45 43 41 52 44 01"), "SELECT home card");
      expectOk(runtime, hex("00 24 01 81 04 31323334"), "set PIN1");
      expectOk(runtime, hex("00 24 01 82 04 35363738"), "set PIN2");
      expectOk(runtime, hex("00 24 01 83 08 3132333435363738"), "set PUK");
      expectOk(runtime, hex("00 44 00 00"), "ACTIVATE");
      expectOk(runtime, hex("00 20 00 81 04 31323334"), "VERIFY PIN1");
      expectOk(runtime, hex("00 20 00 82 04 35363738"), "VERIFY PIN2");
      const Bytes generated = runtime.transmit(hex("00 47 80 01 00"));
      FUZZ_CHECK(generated.size() > 2 && generated[generated.size() - 2] == 0x90);
      // Pre-load the RSA key through the state's own serialization.
      auto state = hp::card::homecard::HomeCardState::deserialize(*storage.image());
      FUZZ_CHECK(state.has_value());
      state->rsaP = hp::base::SecretBytes(hex(kTestRsaP));
      state->rsaQ = hp::base::SecretBytes(hex(kTestRsaQ));
      state->rsaE = hex("010001");
      out.home = state->serialize();
    }
#ifdef HP_FUZZ_WITH_ACCESSCARD
    {
      MemoryStorage storage;
      auto applet = hp::card::accesscard::AccessCardApplet::open(
          storage, clock, *rng, hp::card::runtime::kTestPinIterations);
      FUZZ_CHECK(applet.ok());
      hp::card::runtime::CardRuntime runtime(hp::card::accesscard::accessCardAtr(),
                                             {applet.value().get()});
      expectOk(runtime, hex("00 A4 04 0C 0C F0 41 43 43 45 53 53 43 41 52 44 01"),
               "SELECT access card");
      expectOk(runtime, hex("00 24 01 81 04 31323334"), "set PIN");
      expectOk(runtime, hex("00 24 01 83 08 3132333435363738"), "set PUK");
      Bytes enroll = hex("00 24 01 91 28 7F2E 25 81 20");
      enroll.resize(enroll.size() + 32, 0xA5);
      hp::base::append(enroll, hex("82 01 10"));
      expectOk(runtime, enroll, "enroll biometric template");
      const Bytes generated = runtime.transmit(hex("00 47 80 01 00"));
      FUZZ_CHECK(generated.size() > 2 && generated[generated.size() - 2] == 0x90);
      expectOk(runtime, hex("00 DA DF 30 08 5445524D30303031"), "PUT DATA terminal ID");
      Bytes homeKey = hex("00 DA DF 31 41");
      hp::base::append(homeKey, hex(kP256Generator));
      expectOk(runtime, homeKey, "PUT DATA home server key");
      expectOk(runtime, hex("00 DA DF 32 0D 686F6D652E6C616E3A38343433"), "PUT DATA address");
      expectOk(runtime, hex("00 DA DF 33 0E 800101 81020050 82020018 830101"), "PUT DATA profile");
      expectOk(runtime, hex("00 44 00 00"), "ACTIVATE");
      out.access = *storage.image();
    }
#endif
    return out;
  }();
  return images;
}

// GET DATA status (DF01), sent straight to an applet (no runtime, no SELECT needed).
Bytes statusOf(hp::card::runtime::Applet& applet) {
  hp::protocol::apdu::CommandApdu getStatus;
  getStatus.ins = 0xCA;
  getStatus.p1 = 0xDF;
  getStatus.p2 = 0x01;
  getStatus.ne = 256;
  getStatus.apduCase = hp::protocol::apdu::ApduCase::k2;
  const hp::card::runtime::Response r = applet.process(getStatus);
  FUZZ_CHECK(r.sw == hp::protocol::apdu::sw::kOk);
  // Both cards: 80 01 lifecycle, 81 01 security, 82/83/84 01 counters, 85 01 flags.
  FUZZ_CHECK(r.data.size() == 18);
  return r.data;
}

class BothCards final : public hp::fuzz::CardUnderTest {
 public:
  BothCards(uint8_t start, hp::base::ManualClock& clock)
      : clock_(clock), rng_(hp::base::makeSeededRng(start)), checkRng_(hp::base::makeSeededRng(7)) {
    if ((start & 0x01) != 0) homeStorage_.setImage(startImages().home);
#ifdef HP_FUZZ_WITH_ACCESSCARD
    if ((start & 0x02) != 0) accessStorage_.setImage(startImages().access);
#endif
    restart();
    // The starting images were just opened by restart(); only changes need re-opening.
    lastHomeImage_ = *homeStorage_.image();
#ifdef HP_FUZZ_WITH_ACCESSCARD
    lastAccessImage_ = *accessStorage_.image();
#endif
  }

  hp::card::runtime::CardRuntime& runtime() override {
    return *runtime_;
  }

  void restart() override {
    runtime_.reset();
    home_.reset();
    // Opening never stores on a card that has an image, so injected failures cannot make it
    // fail; it must accept every image the applet itself wrote.
    auto home = hp::card::homecard::HomeCardApplet::open(homeStorage_, clock_, *rng_,
                                                         hp::card::runtime::kTestPinIterations);
    FUZZ_CHECK(home.ok());
    home_ = std::move(home.value());
    std::vector<hp::card::runtime::Applet*> applets{home_.get()};
#ifdef HP_FUZZ_WITH_ACCESSCARD
    access_.reset();
    auto access = hp::card::accesscard::AccessCardApplet::open(
        accessStorage_, clock_, *rng_, hp::card::runtime::kTestPinIterations);
    FUZZ_CHECK(access.ok());
    access_ = std::move(access.value());
    applets.push_back(access_.get());
#endif
    runtime_ = std::make_unique<hp::card::runtime::CardRuntime>(hp::card::homecard::homeCardAtr(),
                                                                applets);
  }

  void failNextStores(size_t succeedFirst, size_t failures) override {
    homeStorage_.failNextStores(succeedFirst, failures);
    accessStorage_.failNextStores(succeedFirst, failures);
  }

  void checkPersistentState() override {
    checkHome();
#ifdef HP_FUZZ_WITH_ACCESSCARD
    checkAccess();
#endif
  }

  void checkSecurityDropped() override {
    FUZZ_CHECK(runtime_->selected() == nullptr);
    FUZZ_CHECK(home_->securityState() == hp::card::homecard::SecurityState::kInhibited);
#ifdef HP_FUZZ_WITH_ACCESSCARD
    FUZZ_CHECK(access_->security() == hp::card::accesscard::SecurityState::kLocked);
#endif
  }

  bool tooSlow(ByteView apdu) override {
    // GENERATE ASYMMETRIC KEY PAIR (47), P1 = 80 generate, P2 = 02 the RSA-2048 key.
    return apdu.size() >= 4 && apdu[1] == 0x47 && apdu[2] == 0x80 && apdu[3] == 0x02;
  }

 private:
  void checkHome() {
    FUZZ_CHECK(homeStorage_.image().has_value());
    const Bytes& image = *homeStorage_.image();
    const Bytes live = home_->state().serialize();
    FUZZ_CHECK(live == image);
    if (image == lastHomeImage_) return;  // re-opening the same image again proves nothing new
    lastHomeImage_ = image;
    MemoryStorage copy;
    copy.setImage(image);
    auto reopened = hp::card::homecard::HomeCardApplet::open(copy, clock_, *checkRng_,
                                                             hp::card::runtime::kTestPinIterations);
    FUZZ_CHECK(reopened.ok());
    FUZZ_CHECK(reopened.value()->state().serialize() == image);
    const Bytes status = statusOf(*reopened.value());
    const auto& s = home_->state();
    const uint8_t keys =
        static_cast<uint8_t>((s.hasEcKey() ? 0x01 : 0) | (s.hasRsaKey() ? 0x02 : 0));
    FUZZ_CHECK(status[2] == static_cast<uint8_t>(s.lifecycle));
    FUZZ_CHECK(status[5] == static_cast<uint8_t>(hp::card::homecard::SecurityState::kInhibited));
    FUZZ_CHECK(status[8] == s.pin1.triesLeft);
    FUZZ_CHECK(status[11] == s.pin2.triesLeft);
    FUZZ_CHECK(status[14] == s.puk.triesLeft);
    FUZZ_CHECK(status[17] == keys);
  }

#ifdef HP_FUZZ_WITH_ACCESSCARD
  void checkAccess() {
    FUZZ_CHECK(accessStorage_.image().has_value());
    const Bytes& image = *accessStorage_.image();
    FUZZ_CHECK(access_->state().serialize() == image);
    if (image == lastAccessImage_) return;
    lastAccessImage_ = image;
    MemoryStorage copy;
    copy.setImage(image);
    auto reopened = hp::card::accesscard::AccessCardApplet::open(
        copy, clock_, *checkRng_, hp::card::runtime::kTestPinIterations);
    FUZZ_CHECK(reopened.ok());
    const auto& s = access_->state();
    FUZZ_CHECK(reopened.value()->state() == s);
    const Bytes status = statusOf(*reopened.value());
    FUZZ_CHECK(status[2] == static_cast<uint8_t>(s.lifecycle));
    FUZZ_CHECK(status[5] == static_cast<uint8_t>(hp::card::accesscard::SecurityState::kLocked));
    FUZZ_CHECK(status[8] == s.pin.triesLeft);
    FUZZ_CHECK(status[11] == s.biometric.triesLeft);
    FUZZ_CHECK(status[14] == s.puk.triesLeft);
  }
  std::unique_ptr<hp::card::accesscard::AccessCardApplet> access_;
  Bytes lastAccessImage_;
#endif

  hp::base::ManualClock& clock_;
  std::unique_ptr<hp::base::Rng> rng_;
  std::unique_ptr<hp::base::Rng> checkRng_;
  MemoryStorage homeStorage_;
  MemoryStorage accessStorage_;
  std::unique_ptr<hp::card::homecard::HomeCardApplet> home_;
  Bytes lastHomeImage_;
  std::unique_ptr<hp::card::runtime::CardRuntime> runtime_;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)startImages();  // personalize once, before the first input is timed
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t size) {
  if (size == 0) return 0;
  hp::base::ManualClock clock;
  BothCards cards(input[0], clock);
  hp::fuzz::runSession(input + 1, size - 1, cards, clock);
  return 0;
}
