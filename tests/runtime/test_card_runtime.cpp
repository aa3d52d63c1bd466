// CardRuntime: class byte checks, SELECT, command chaining, response chaining and 6Cxx, reset.
// Driven with a small applet that records what reaches it.
#include <doctest.h>

#include <string>

#include "card/runtime/card_runtime.hpp"
#include "tests/runtime/test_helpers.hpp"

using hp::base::Bytes;
using hp::base::ByteView;
using hp::test::hex;
using namespace hp::card::runtime;
using namespace hp::protocol::apdu;

namespace {

// INS 10: echo the command data (side effect: counted); INS B0: read P2 bytes of a fixed pattern
// (idempotent); INS 20: answer P2 bytes, not idempotent; INS 30: status only.
class RecordingApplet final : public Applet {
 public:
  explicit RecordingApplet(Bytes aid, Bytes proprietary = {})
      : aid_(std::move(aid)), proprietary_(std::move(proprietary)) {}

  ByteView aid() const override { return aid_; }
  Bytes fciProprietary() const override { return proprietary_; }
  StatusWord onSelect() override {
    ++selects;
    return refuseSelect ? sw::kConditionsNotSatisfied : sw::kOk;
  }
  void onDeselect() override { ++deselects; }
  void onReset() override { ++resets; }
  Response process(const CommandApdu& cmd) override {
    ++processed;
    last = cmd;
    switch (cmd.ins) {
      case 0x10:
        return Response::ok(cmd.data);
      case 0xB0:
        return Response::read(pattern(cmd.p1 * 256u + cmd.p2));
      case 0x20:
        return Response::ok(pattern(cmd.p1 * 256u + cmd.p2));
      default:
        return Response::status(sw::kOk);
    }
  }

  static Bytes pattern(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7 + 1);
    return b;
  }

  int selects = 0;
  int deselects = 0;
  int resets = 0;
  int processed = 0;
  bool refuseSelect = false;
  CommandApdu last;

 private:
  Bytes aid_;
  Bytes proprietary_;
};

const Bytes kAidA = hex("F0 01 02 03 04 05");
const Bytes kAidB = hex("F0 01 02 09 09");

struct Fixture {
  RecordingApplet a{kAidA, hex("80 01 2A")};
  RecordingApplet b{kAidB};
  CardRuntime card{hex("3B 80 80 01 01"), {&a, &b}, 600};

  Response send(std::string_view apdu) { return card.process(hex(apdu)); }
  void selectA() { REQUIRE(send("00 A4 04 0C 06 F0 01 02 03 04 05").sw == sw::kOk); }
};

}  // namespace

TEST_CASE("transmit appends SW1 SW2 to the data") {
  Fixture f;
  f.selectA();
  CHECK(f.card.transmit(hex("00 10 00 00 02 AB CD 00")) == hex("AB CD 90 00"));
  CHECK(f.card.transmit(hex("00")) == hex("67 00"));
}

TEST_CASE("SELECT by AID") {
  Fixture f;
  SUBCASE("exact AID with P2 00 returns FCI 6F{84 AID, A5 proprietary}") {
    const auto r = f.send("00 A4 04 00 06 F0 01 02 03 04 05 00");
    CHECK(r.sw == sw::kOk);
    CHECK(r.data == hex("6F 0D 84 06 F0 01 02 03 04 05 A5 03 80 01 2A"));
    CHECK(f.card.selected() == &f.a);
    CHECK(f.a.selects == 1);
  }
  SUBCASE("an applet without proprietary data has no A5") {
    const auto r = f.send("00 A4 04 00 05 F0 01 02 09 09 00");
    CHECK(r.sw == sw::kOk);
    CHECK(r.data == hex("6F 07 84 05 F0 01 02 09 09"));
  }
  SUBCASE("P2 0C: selected, no response data") {
    const auto r = f.send("00 A4 04 0C 06 F0 01 02 03 04 05");
    CHECK(r.sw == sw::kOk);
    CHECK(r.data.empty());
    CHECK(f.card.selected() == &f.a);
  }
  SUBCASE("right-truncated AID selects the applet it prefixes") {
    CHECK(f.send("00 A4 04 0C 04 F0 01 02 09").sw == sw::kOk);
    CHECK(f.card.selected() == &f.b);
    CHECK(f.send("00 A4 04 0C 04 F0 01 02 03").sw == sw::kOk);
    CHECK(f.card.selected() == &f.a);
  }
  SUBCASE("exact match is preferred over a prefix match of an earlier applet") {
    RecordingApplet longer{hex("F0 01 02 09 09 01")};
    RecordingApplet shorter{hex("F0 01 02 09 09")};
    CardRuntime card{hex("3B 00"), {&longer, &shorter}};
    CHECK(card.process(hex("00 A4 04 0C 05 F0 01 02 09 09")).sw == sw::kOk);
    CHECK(card.selected() == &shorter);
  }
  SUBCASE("unknown AID: 6A82 and the selection is unchanged") {
    f.selectA();
    const int deselectsBefore = f.a.deselects;
    CHECK(f.send("00 A4 04 00 06 F0 01 02 03 04 06 00").sw == sw::kFileOrAppNotFound);
    CHECK(f.card.selected() == &f.a);
    CHECK(f.a.deselects == deselectsBefore);
    // An AID longer than every applet's AID is not a prefix of any of them.
    CHECK(f.send("00 A4 04 00 07 F0 01 02 03 04 05 06 00").sw == sw::kFileOrAppNotFound);
    CHECK(f.card.selected() == &f.a);
    CHECK(f.send("00 10 00 00 01 42 00").sw == sw::kOk);
  }
  SUBCASE("selection by file identifier (P1 00) is not found") {
    CHECK(f.send("00 A4 00 00 02 3F 00").sw == sw::kFileOrAppNotFound);
    CHECK(f.send("00 A4 08 00 02 3F 00").sw == sw::kFileOrAppNotFound);
  }
  SUBCASE("other P1 or P2 values: 6A86") {
    CHECK(f.send("00 A4 05 00 06 F0 01 02 03 04 05").sw == sw::kIncorrectP1P2);
    CHECK(f.send("00 A4 04 02 06 F0 01 02 03 04 05").sw == sw::kIncorrectP1P2);
    CHECK(f.card.selected() == nullptr);
  }
  SUBCASE("AID longer than 16 bytes: 6A80") {
    CHECK(f.send("00 A4 04 00 11 F0 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 00").sw ==
          sw::kWrongData);
  }
  SUBCASE("SELECT with no AID: 6A82") {
    CHECK(f.send("00 A4 04 00").sw == sw::kFileOrAppNotFound);
  }
  SUBCASE("selecting another applet deselects the first") {
    f.selectA();
    CHECK(f.send("00 A4 04 0C 05 F0 01 02 09 09").sw == sw::kOk);
    CHECK(f.a.deselects == 1);
    CHECK(f.card.selected() == &f.b);
  }
  SUBCASE("an applet refusing selection leaves nothing selected") {
    f.b.refuseSelect = true;
    CHECK(f.send("00 A4 04 0C 05 F0 01 02 09 09").sw == sw::kConditionsNotSatisfied);
    CHECK(f.card.selected() == nullptr);
  }
  SUBCASE("SELECT with no Le answers 61xx and the FCI comes by GET RESPONSE") {
    const auto r = f.send("00 A4 04 00 06 F0 01 02 03 04 05");
    CHECK(r.sw == 0x610F);
    CHECK(r.data.empty());
    const auto g = f.send("00 C0 00 00 0F");
    CHECK(g.sw == sw::kOk);
    CHECK(g.data == hex("6F 0D 84 06 F0 01 02 03 04 05 A5 03 80 01 2A"));
  }
  SUBCASE("a proprietary-class A4 is not SELECT: it goes to the selected applet") {
    CHECK(f.send("80 A4 04 00 06 F0 01 02 03 04 05").sw == sw::kConditionsNotSatisfied);
    f.selectA();
    CHECK(f.send("80 A4 04 00 06 F0 01 02 03 04 05").sw == sw::kOk);
    CHECK(f.a.last.cla == 0x80);
  }
}

TEST_CASE("commands before any SELECT: 6985, nothing reaches an applet") {
  Fixture f;
  CHECK(f.send("00 10 00 00 01 AA 00").sw == sw::kConditionsNotSatisfied);
  CHECK(f.send("80 30 00 00").sw == sw::kConditionsNotSatisfied);
  CHECK(f.a.processed == 0);
  CHECK(f.b.processed == 0);
}

TEST_CASE("class byte checks (ISO 7816-4 5.4.1)") {
  Fixture f;
  f.selectA();
  CHECK(f.send("FF 30 00 00").sw == sw::kClaNotSupported);
  // Logical channels 1-3 in the first interindustry layout, 4-19 in the further one.
  CHECK(f.send("01 30 00 00").sw == sw::kLogicalChannelNotSupported);
  CHECK(f.send("03 30 00 00").sw == sw::kLogicalChannelNotSupported);
  CHECK(f.send("81 30 00 00").sw == sw::kLogicalChannelNotSupported);
  CHECK(f.send("40 30 00 00").sw == sw::kLogicalChannelNotSupported);
  CHECK(f.send("6F 30 00 00").sw == sw::kLogicalChannelNotSupported);
  // Secure messaging bits.
  CHECK(f.send("04 30 00 00").sw == sw::kSecureMessagingNotSupported);
  CHECK(f.send("08 30 00 00").sw == sw::kSecureMessagingNotSupported);
  CHECK(f.send("8C 30 00 00").sw == sw::kSecureMessagingNotSupported);
  // RFU and proprietary families other than 8x/9x.
  CHECK(f.send("20 30 00 00").sw == sw::kClaNotSupported);
  CHECK(f.send("3F 30 00 00").sw == sw::kClaNotSupported);
  CHECK(f.send("A0 30 00 00").sw == sw::kClaNotSupported);
  CHECK(f.send("C0 30 00 00").sw == sw::kClaNotSupported);
  CHECK(f.send("E0 30 00 00").sw == sw::kClaNotSupported);
  CHECK(f.a.processed == 0);
  // Accepted classes reach the applet.
  CHECK(f.send("00 30 00 00").sw == sw::kOk);
  CHECK(f.send("80 30 00 00").sw == sw::kOk);
  CHECK(f.a.processed == 2);
}

TEST_CASE("INS 6X and 9X are invalid: 6D00") {
  Fixture f;
  f.selectA();
  for (int ins : {0x60, 0x61, 0x6C, 0x6F, 0x90, 0x9F}) {
    CAPTURE(ins);
    CHECK(f.card.process(Bytes{0x00, static_cast<uint8_t>(ins), 0, 0}).sw == sw::kInsNotSupported);
  }
  CHECK(f.a.processed == 0);
}

TEST_CASE("command chaining (ISO 7816-4 5.3.3)") {
  Fixture f;
  f.selectA();
  SUBCASE("links accumulate and the last command sees all data at once") {
    CHECK(f.send("10 10 00 00 02 01 02").sw == sw::kOk);
    CHECK(f.send("10 10 00 00 02 03 04").sw == sw::kOk);
    CHECK(f.a.processed == 0);
    const auto r = f.send("00 10 00 00 01 05 00");
    CHECK(r.sw == sw::kOk);
    CHECK(r.data == hex("01 02 03 04 05"));
    CHECK(f.a.processed == 1);
    CHECK(f.a.last.apduCase == ApduCase::k4);
  }
  SUBCASE("a last command without data still carries the chain's data (case 1 -> 3)") {
    CHECK(f.send("10 30 00 00 02 01 02").sw == sw::kOk);
    CHECK(f.send("00 30 00 00").sw == sw::kOk);
    CHECK(f.a.last.data == hex("01 02"));
    CHECK(f.a.last.apduCase == ApduCase::k3);
  }
  SUBCASE("a header change aborts the chain with 6883") {
    CHECK(f.send("10 10 00 00 02 01 02").sw == sw::kOk);
    CHECK(f.send("00 10 00 01 01 03 00").sw == sw::kLastCommandOfChainExpected);
    // The chain is gone: the next command stands alone.
    const auto r = f.send("00 10 00 00 01 09 00");
    CHECK(r.sw == sw::kOk);
    CHECK(r.data == hex("09"));
  }
  SUBCASE("a changed INS in the middle of a chain also aborts it") {
    CHECK(f.send("10 10 00 00 02 01 02").sw == sw::kOk);
    CHECK(f.send("10 30 00 00 02 01 02").sw == sw::kLastCommandOfChainExpected);
    CHECK(f.send("00 10 00 00 01 07 00").data == hex("07"));
  }
  SUBCASE("GET RESPONSE in the middle of a chain aborts it") {
    CHECK(f.send("10 10 00 00 02 01 02").sw == sw::kOk);
    CHECK(f.send("00 C0 00 00 00").sw == sw::kLastCommandOfChainExpected);
    CHECK(f.send("00 10 00 00 01 07 00").data == hex("07"));
  }
  SUBCASE("more than the limit: 6A84 and the chain is dropped") {
    Bytes link = hex("10 10 00 00 FF");
    hp::base::append(link, Bytes(255, 0xAB));
    CHECK(f.card.process(link).sw == sw::kOk);
    CHECK(f.card.process(link).sw == sw::kOk);  // 510 of 600
    CHECK(f.card.process(link).sw == sw::kNotEnoughMemory);
    CHECK(f.send("00 10 00 00 01 07 00").data == hex("07"));
    CHECK(f.a.processed == 1);
  }
  SUBCASE("the limit applies to the last command's data too") {
    Bytes link = hex("10 10 00 00 FF");
    hp::base::append(link, Bytes(255, 0xAB));
    CHECK(f.card.process(link).sw == sw::kOk);
    CHECK(f.card.process(link).sw == sw::kOk);
    Bytes last = hex("00 10 00 00 FF");
    hp::base::append(last, Bytes(255, 0xAB));
    CHECK(f.card.process(last).sw == sw::kNotEnoughMemory);
    CHECK(f.a.processed == 0);
  }
  SUBCASE("exactly the limit is accepted") {
    Bytes link = hex("10 10 00 00 FF");
    hp::base::append(link, Bytes(255, 0xAB));
    CHECK(f.card.process(link).sw == sw::kOk);
    CHECK(f.card.process(link).sw == sw::kOk);
    Bytes last = hex("00 10 00 00 5A");
    hp::base::append(last, Bytes(90, 0xAB));
    const auto r = f.card.process(last);
    CHECK(r.sw == 0x6100);  // 600 bytes, no Le: all of it waits for GET RESPONSE
    CHECK(f.a.last.data.size() == 600);
  }
}

TEST_CASE("response chaining: 61xx and GET RESPONSE (ISO 7816-4 5.3.4)") {
  Fixture f;
  f.selectA();
  const Bytes all = RecordingApplet::pattern(300);
  SUBCASE("Le 00 gets 256 bytes, then 61 2C for the rest") {
    const auto r = f.send("00 20 01 2C 00");
    CHECK(r.sw == 0x612C);
    CHECK(r.data == Bytes(all.begin(), all.begin() + 256));
    const auto g = f.send("00 C0 00 00 2C");
    CHECK(g.sw == sw::kOk);
    CHECK(g.data == Bytes(all.begin() + 256, all.end()));
  }
  SUBCASE("GET RESPONSE with a smaller Le: part of it and 61xx for the rest") {
    CHECK(f.send("00 20 00 30").sw == 0x6130);
    const auto g1 = f.send("00 C0 00 00 10");
    CHECK(g1.sw == 0x6120);
    CHECK(g1.data == Bytes(all.begin(), all.begin() + 16));
    const auto g2 = f.send("00 C0 00 00 20");
    CHECK(g2.sw == sw::kOk);
    CHECK(g2.data == Bytes(all.begin() + 16, all.begin() + 48));
  }
  SUBCASE("GET RESPONSE with a larger Le: everything left and 9000") {
    CHECK(f.send("00 20 00 30").sw == 0x6130);
    const auto g = f.send("00 C0 00 00 FF");
    CHECK(g.sw == sw::kOk);
    CHECK(g.data == Bytes(all.begin(), all.begin() + 48));
    CHECK(f.send("00 C0 00 00 00").sw == sw::kConditionsNotSatisfied);
  }
  SUBCASE("GET RESPONSE without Le means up to 256") {
    CHECK(f.send("00 20 01 2C").sw == 0x6100);
    const auto g = f.send("00 C0 00 00");
    CHECK(g.sw == 0x612C);
    CHECK(g.data.size() == 256);
  }
  SUBCASE("GET RESPONSE with nothing pending: 6985") {
    CHECK(f.send("00 C0 00 00 00").sw == sw::kConditionsNotSatisfied);
  }
  SUBCASE("GET RESPONSE with P1 P2 other than 0000: 6A86, data still pending") {
    CHECK(f.send("00 20 00 30").sw == 0x6130);
    CHECK(f.send("00 C0 00 01 30").sw == sw::kIncorrectP1P2);
    CHECK(f.send("00 C0 01 00 30").sw == sw::kIncorrectP1P2);
    CHECK(f.send("00 C0 00 00 30").data.size() == 48);
  }
  SUBCASE("any other command discards the pending data") {
    CHECK(f.send("00 20 00 30").sw == 0x6130);
    CHECK(f.send("00 30 00 00").sw == sw::kOk);
    CHECK(f.send("00 C0 00 00 30").sw == sw::kConditionsNotSatisfied);
  }
  SUBCASE("even a command refused by the runtime discards it") {
    CHECK(f.send("00 20 00 30").sw == 0x6130);
    CHECK(f.send("00 A4 04 00 06 F0 01 02 03 04 06").sw == sw::kFileOrAppNotFound);
    CHECK(f.send("00 C0 00 00 30").sw == sw::kConditionsNotSatisfied);
  }
  SUBCASE("a command refused for its length, class or INS discards it too") {
    for (const char* refused : {"00 10 00", "FF 10 00 00", "01 10 00 00", "04 10 00 00",
                                "20 10 00 00", "00 6A 00 00", "00 10 00 00 05 01"}) {
      CAPTURE(refused);
      CHECK(f.send("00 20 00 30").sw == 0x6130);
      CHECK(f.send(refused).sw != sw::kOk);
      CHECK(f.send("00 C0 00 00 30").sw == sw::kConditionsNotSatisfied);
    }
  }
  SUBCASE("extended Le delivers a long answer at once") {
    const auto r = f.send("00 20 01 2C 00 00 00");
    CHECK(r.sw == sw::kOk);
    CHECK(r.data == all);
  }
  SUBCASE("case 1/3 answer with data: 61xx with the exact count") {
    CHECK(f.send("00 10 00 00 03 01 02 03").sw == 0x6103);
    CHECK(f.send("00 C0 00 00 03").data == hex("01 02 03"));
  }
}

TEST_CASE("6Cxx only for idempotent answers") {
  Fixture f;
  f.selectA();
  SUBCASE("an idempotent read longer than Le: 6Cxx with the exact length, no data") {
    const auto r = f.send("00 B0 00 20 10");
    CHECK(r.sw == 0x6C20);
    CHECK(r.data.empty());
    const auto again = f.send("00 B0 00 20 20");
    CHECK(again.sw == sw::kOk);
    CHECK(again.data == RecordingApplet::pattern(32));
  }
  SUBCASE("an idempotent read of exactly 256 bytes asked with a smaller Le: 6C00") {
    CHECK(f.send("00 B0 01 00 10").sw == 0x6C00);
  }
  SUBCASE("an idempotent read over 256 bytes goes through 61xx") {
    const auto r = f.send("00 B0 01 2C 10");
    CHECK(r.sw == 0x6100);
    CHECK(r.data.size() == 16);
  }
  SUBCASE("an answer with side effects longer than Le goes through 61xx, computed once") {
    const auto r = f.send("00 20 00 20 10");
    CHECK(r.sw == 0x6110);
    CHECK(r.data == RecordingApplet::pattern(16));
    CHECK(f.a.processed == 1);
    const auto g = f.send("00 C0 00 00 10");
    CHECK(g.sw == sw::kOk);
    CHECK(f.a.processed == 1);
  }
  SUBCASE("an idempotent read with extended Le too small goes through 61xx") {
    const auto r = f.send("00 B0 00 20 00 00 10");
    CHECK(r.sw == 0x6110);
  }
  SUBCASE("a read that fits is returned as is") {
    const auto r = f.send("00 B0 00 08 08");
    CHECK(r.sw == sw::kOk);
    CHECK(r.data.size() == 8);
  }
}

TEST_CASE("power off and reset drop selection, chain and pending data, and call onReset") {
  Fixture f;
  for (int mode = 0; mode < 3; ++mode) {
    CAPTURE(mode);
    f.selectA();
    CHECK(f.send("00 20 00 30").sw == 0x6130);
    CHECK(f.send("10 10 00 00 02 01 02").sw == sw::kOk);
    const int resetsBefore = f.a.resets;
    const int otherResetsBefore = f.b.resets;
    if (mode == 0) f.card.reset();
    if (mode == 1) f.card.powerOff();
    if (mode == 2) f.card.powerOn();
    CHECK(f.card.powered() == (mode != 1));
    if (mode == 1) f.card.powerOn();
    CHECK(f.card.selected() == nullptr);
    CHECK(f.a.resets > resetsBefore);
    CHECK(f.b.resets > otherResetsBefore);
    CHECK(f.a.deselects >= 1);
    CHECK(f.send("00 C0 00 00 30").sw == sw::kConditionsNotSatisfied);
    f.selectA();  // would be 6883 if the chain had survived
    CHECK(f.send("00 10 00 00 01 09 00").data == hex("09"));
  }
}

TEST_CASE("the ATR is kept as given") {
  Fixture f;
  CHECK(f.card.atr() == hex("3B 80 80 01 01"));
}
