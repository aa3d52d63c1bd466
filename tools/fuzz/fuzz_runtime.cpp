// libFuzzer target: the card runtime (class checks, SELECT, command chaining, 61xx / GET
// RESPONSE, 6Cxx) in front of two tiny persistent applets of our own, so the framing layer is
// fuzzed on its own, independently of the real cards. Input language: fuzz_session.hpp.
#include <memory>
#include <optional>

#include "base/byte_codec.hpp"
#include "base/clock.hpp"
#include "card/runtime/card_runtime.hpp"
#include "card/runtime/persistent_state.hpp"
#include "card/runtime/storage.hpp"
#include "tools/fuzz/fuzz_session.hpp"

namespace {

using hp::base::Bytes;
using hp::base::ByteView;
using hp::card::runtime::Response;
using hp::protocol::apdu::CommandApdu;
namespace sw = hp::protocol::apdu::sw;

// What the tiny applet keeps in its "EEPROM".
struct CounterState {
  uint32_t counter = 0;
  Bytes note;

  Bytes serialize() const {
    hp::base::ByteWriter w;
    w.u32(counter);
    w.blob(note);
    return w.take();
  }
  static std::optional<CounterState> deserialize(ByteView image) {
    hp::base::ByteReader r(image);
    CounterState s;
    s.counter = r.u32();
    s.note = r.blob(64);
    if (!r.ok() || !r.atEnd()) return std::nullopt;
    return s;
  }
  bool operator==(const CounterState&) const = default;
};

// A counter and a note, with reads of any length to drive response chaining.
class CounterApplet final : public hp::card::runtime::Applet {
 public:
  CounterApplet(Bytes aid, hp::card::runtime::Storage& storage)
      : aid_(std::move(aid)), state_(storage) {}
  bool open() { return state_.open(CounterState{}).ok(); }
  const CounterState& state() const { return state_.get(); }

  ByteView aid() const override { return aid_; }
  Bytes fciProprietary() const override { return {0x80, 0x01, 0x01}; }
  // Refusing some selections exercises the runtime's "failed SELECT" path.
  hp::protocol::apdu::StatusWord onSelect() override {
    return state_.get().counter % 7 == 3 ? sw::kConditionsNotSatisfied : sw::kOk;
  }

  Response process(const CommandApdu& cmd) override {
    if (cmd.cla != 0x80) return Response::status(sw::kClaNotSupported);
    switch (cmd.ins) {
      case 0x10:  // increment
        if (!state_.update([](CounterState& s) { ++s.counter; })) {
          return Response::status(sw::kMemoryFailure);
        }
        return Response::ok();
      case 0x12: {  // read counter
        Bytes out;
        hp::base::appendU16(out, static_cast<uint16_t>(state_.get().counter >> 16));
        hp::base::appendU16(out, static_cast<uint16_t>(state_.get().counter));
        return Response::read(out);
      }
      case 0x14: {  // P1P2 bytes of a pattern (a read of any length)
        Bytes out(cmd.p1p2());
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7 + 1);
        return Response::read(out);
      }
      case 0x16: {  // set the note; echoes it back as a non-idempotent answer
        if (cmd.data.size() > 64) return Response::status(sw::kWrongLength);
        Bytes note = cmd.data;
        if (!state_.update([&](CounterState& s) { s.note = note; })) {
          return Response::status(sw::kMemoryFailure);
        }
        return Response::ok(note);
      }
      case 0x18:
        return Response::read(state_.get().note);
      default:
        return Response::status(sw::kInsNotSupported);
    }
  }

 private:
  Bytes aid_;
  hp::card::runtime::PersistentState<CounterState> state_;
};

const Bytes kAidOne{0xF0, 0x46, 0x55, 0x5A, 0x5A, 0x01};
const Bytes kAidTwo{0xF0, 0x46, 0x55, 0x5A, 0x5A, 0x02};

class CounterCard final : public hp::fuzz::CardUnderTest {
 public:
  CounterCard() { restart(); }

  hp::card::runtime::CardRuntime& runtime() override { return *runtime_; }
  void restart() override {
    runtime_.reset();
    one_ = std::make_unique<CounterApplet>(kAidOne, storageOne_);
    two_ = std::make_unique<CounterApplet>(kAidTwo, storageTwo_);
    // Opening must succeed on whatever image the applet itself stored, whatever stores failed
    // (the first open, on blank storage, happens before any failure is injected).
    FUZZ_CHECK(one_->open());
    FUZZ_CHECK(two_->open());
    runtime_ = std::make_unique<hp::card::runtime::CardRuntime>(
        Bytes{0x3B, 0x80, 0x80, 0x01, 0x01},
        std::vector<hp::card::runtime::Applet*>{one_.get(), two_.get()},
        /*maxChainedData=*/512);
  }
  void failNextStores(size_t succeedFirst, size_t failures) override {
    storageOne_.failNextStores(succeedFirst, failures);
    storageTwo_.failNextStores(succeedFirst, failures);
  }
  void checkPersistentState() override {
    check(*one_, storageOne_, kAidOne);
    check(*two_, storageTwo_, kAidTwo);
  }

 private:
  static void check(const CounterApplet& live, const hp::card::runtime::MemoryStorage& storage,
                    const Bytes& aid) {
    hp::card::runtime::MemoryStorage copy;
    FUZZ_CHECK(storage.image().has_value());
    copy.setImage(*storage.image());
    CounterApplet reloaded(aid, copy);
    FUZZ_CHECK(reloaded.open());
    FUZZ_CHECK(reloaded.state() == live.state());
  }

  hp::card::runtime::MemoryStorage storageOne_;
  hp::card::runtime::MemoryStorage storageTwo_;
  std::unique_ptr<CounterApplet> one_;
  std::unique_ptr<CounterApplet> two_;
  std::unique_ptr<hp::card::runtime::CardRuntime> runtime_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* input, size_t size) {
  hp::base::ManualClock clock;
  CounterCard card;
  hp::fuzz::runSession(input, size, card, clock);
  return 0;
}
