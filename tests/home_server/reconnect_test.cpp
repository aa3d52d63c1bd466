// ReconnectingTransport: the home server's link to a card that was killed and restarted (or
// pulled and put back). A fake reader stands in for PC/SC: each "insertion" is a new link that
// records what it was sent and can be made to fail as a removed card does.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "host/home_server/card/reconnecting_transport.hpp"

namespace hp::home_server {

namespace {

const Bytes kSelect{0x00, 0xA4, 0x04, 0x0C, 0x01, 0xF0};
const Bytes kStatus{0x00, 0xCA, 0xDF, 0x40, 0x00};
const Bytes kProbe{0x00, 0xCA, 0xDF, 0x01, 0x00};
const Bytes kVerifyPin1{0x00, 0x20, 0x00, 0x81, 0x01, 0x31};
const Bytes kDebit{0x80, 0x32, 0x00, 0x00, 0x01, 0x00};

// What the fake reader holds: which link is current and what each link saw.
struct FakeReader {
  bool cardPresent = true;
  Bytes selectAnswer{0x90, 0x00};
  std::vector<std::vector<Bytes>> sentPerLink;  // one list of commands per link opened
  bool linkBroken = false;                      // the current link's card is gone
  bool emptyAnswer = false;        // the current link answers 0 bytes (the card died mid-command)
  bool nothingSelected = false;    // the card restarted under the same handle: 6985 to all
  bool appletRefuses6985 = false;  // the applet's own 6985 (a conflicting DEBIT)
  Bytes atr{0x3B, 0x00};
};

class FakeLink final : public pcsc_bridge::Transport {
 public:
  FakeLink(FakeReader& reader, size_t index) : reader_(reader), index_(index) {}
  Result<Bytes> transmitRaw(ByteView command) override {
    const bool current = index_ + 1 == reader_.sentPerLink.size();
    if (reader_.linkBroken && current) {
      return makeError("SCardTransmit: the card was removed (SCARD_W_REMOVED_CARD)");
    }
    reader_.sentPerLink[index_].emplace_back(command.begin(), command.end());
    const Bytes sent(command.begin(), command.end());
    if (reader_.emptyAnswer && current) return Bytes{};
    if (sent == kSelect) {
      reader_.nothingSelected = false;
      return reader_.selectAnswer;
    }
    if (reader_.nothingSelected) return Bytes{0x69, 0x85};  // the card runtime, no applet
    if (sent == kProbe) return Bytes{0x90, 0x00};
    if (sent == kVerifyPin1) return Bytes{0x90, 0x00};
    if (sent == kDebit && reader_.appletRefuses6985) return Bytes{0x69, 0x85};
    return Bytes{0x69, 0x82};  // a restarted card has no PIN verified
  }
  Result<void> reset() override { return {}; }
  Result<Bytes> atr() override { return reader_.atr; }
  std::string describe() const override { return "fake reader"; }

 private:
  FakeReader& reader_;
  size_t index_;
};

ReconnectingTransport::Connector connectorFor(FakeReader& reader) {
  return [&reader]() -> Result<std::unique_ptr<pcsc_bridge::Transport>> {
    if (!reader.cardPresent) return makeError("SCardConnect: no card in the reader");
    reader.linkBroken = false;
    reader.emptyAnswer = false;
    reader.sentPerLink.emplace_back();
    return std::unique_ptr<pcsc_bridge::Transport>(
        std::make_unique<FakeLink>(reader, reader.sentPerLink.size() - 1));
  };
}

}  // namespace

TEST_SUITE("reconnect") {
  TEST_CASE("reconnect: the first command opens the link and selects the applet before it") {
    FakeReader reader;
    ReconnectingTransport transport(connectorFor(reader), kSelect);
    auto answer = transport.transmitRaw(kStatus);
    REQUIRE(answer.ok());
    CHECK(*answer == Bytes{0x69, 0x82});
    REQUIRE(reader.sentPerLink.size() == 1);
    CHECK(reader.sentPerLink[0] == std::vector<Bytes>{kSelect, kStatus});
    CHECK(transport.reconnects() == 0);
  }

  TEST_CASE("reconnect: a lost card fails that command, which is not resent; the next relinks") {
    FakeReader reader;
    ReconnectingTransport transport(connectorFor(reader), kSelect);
    std::vector<std::pair<bool, std::string>> events;
    transport.setEvents(
        [&events](bool lost, const std::string& text) { events.emplace_back(lost, text); });
    REQUIRE(transport.transmitRaw(kStatus).ok());
    CHECK(events.empty());     // the first link is no event
    reader.linkBroken = true;  // the card process was killed
    const Bytes debit = kDebit;
    auto lost = transport.transmitRaw(debit);
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().message.find("removed") != std::string::npos);
    CHECK(lost.error().message.find("may or may not have been carried out") != std::string::npos);
    CHECK(lost.error().message.find("PIN1 needed again") != std::string::npos);
    // Relinked at once (SELECT on the new link), the DEBIT not repeated.
    REQUIRE(reader.sentPerLink.size() == 2);
    CHECK(reader.sentPerLink[1] == std::vector<Bytes>{kSelect});

    auto next = transport.transmitRaw(kStatus);
    REQUIRE(next.ok());
    REQUIRE(reader.sentPerLink.size() == 2);
    CHECK(reader.sentPerLink[1] == std::vector<Bytes>{kSelect, kStatus});
    CHECK(transport.reconnects() == 1);
    REQUIRE(events.size() == 2);
    CHECK(events[0].first);
    CHECK(events[0].second.find("home card link lost: SCardTransmit") == 0);
    CHECK_FALSE(events[1].first);
    CHECK(events[1].second.find("PIN1") != std::string::npos);
    for (const auto& link : reader.sentPerLink) {
      for (const auto& sent : link) CHECK(sent != debit);  // only the caller may retry a DEBIT
    }
  }

  TEST_CASE("reconnect: an empty answer is a lost link: relinked, the DEBIT not resent") {
    FakeReader reader;
    ReconnectingTransport transport(connectorFor(reader), kSelect, kProbe);
    unsigned resets = 0;
    transport.setOnCardReset([&resets] { ++resets; });
    REQUIRE(transport.transmitRaw(kStatus).ok());
    reader.emptyAnswer = true;  // killed mid-command: vpcd answers nothing
    auto lost = transport.transmitRaw(kDebit);
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().message.find("0 byte(s), no status word") != std::string::npos);
    CHECK(resets == 1);
    REQUIRE(reader.sentPerLink.size() == 2);
    CHECK(reader.sentPerLink[1] == std::vector<Bytes>{kSelect});
    // The restarted card answers by itself: PIN1 is needed (6982), no 0-byte answer again.
    auto status = transport.transmitRaw(kStatus);
    REQUIRE(status.ok());
    CHECK(*status == Bytes{0x69, 0x82});
  }

  TEST_CASE(
      "reconnect: a card restarted under the same handle (6985 to all) is relinked and "
      "the first PIN1 works") {
    FakeReader reader;
    ReconnectingTransport transport(connectorFor(reader), kSelect, kProbe);
    std::vector<std::string> events;
    transport.setEvents([&events](bool, const std::string& text) { events.push_back(text); });
    unsigned resets = 0;
    transport.setOnCardReset([&resets] { ++resets; });
    REQUIRE(transport.transmitRaw(kStatus).ok());
    reader.nothingSelected = true;  // pcscd never saw the card leave; nothing is selected
    auto verified = transport.transmitRaw(kVerifyPin1);
    REQUIRE(verified.ok());
    CHECK(*verified == Bytes{0x90, 0x00});  // VERIFY resent once on the new link: it works
    CHECK(resets == 1);
    REQUIRE(reader.sentPerLink.size() == 2);
    CHECK(reader.sentPerLink[0].back() == kProbe);
    CHECK(reader.sentPerLink[1] == std::vector<Bytes>{kSelect, kVerifyPin1});
    REQUIRE(events.size() == 2);
    CHECK(events[0].find("nothing selected") != std::string::npos);
    CHECK(events[1].find("home card restarted: PIN1 needed again") == 0);
    // Even a DEBIT is resent when the card had nothing selected: it never ran; the restarted
    // card answers 6982 (PIN needed), not the runtime's 6985.
    reader.nothingSelected = true;
    auto debit = transport.transmitRaw(kDebit);
    REQUIRE(debit.ok());
    CHECK(*debit == Bytes{0x69, 0x82});
    CHECK(resets == 2);
  }

  TEST_CASE("reconnect: the applet's own 6985 is answered as is, the link kept") {
    FakeReader reader;
    reader.appletRefuses6985 = true;
    ReconnectingTransport transport(connectorFor(reader), kSelect, kProbe);
    auto conflict = transport.transmitRaw(kDebit);
    REQUIRE(conflict.ok());
    CHECK(*conflict == Bytes{0x69, 0x85});
    CHECK(transport.reconnects() == 0);
    CHECK(reader.sentPerLink.at(0) == std::vector<Bytes>{kSelect, kDebit, kProbe});
  }

  TEST_CASE("reconnect: a VERIFY that met a dead link (SCARD_E_NOT_TRANSACTED) works at once") {
    FakeReader reader;
    ReconnectingTransport transport(connectorFor(reader), kSelect, kProbe);
    REQUIRE(transport.transmitRaw(kStatus).ok());
    reader.linkBroken = true;
    auto verified = transport.transmitRaw(kVerifyPin1);
    REQUIRE(verified.ok());
    CHECK(*verified == Bytes{0x90, 0x00});
    CHECK(transport.reconnects() == 1);
  }

  TEST_CASE("reconnect: a new link with another ATR is named in the log") {
    FakeReader reader;
    ReconnectingTransport transport(connectorFor(reader), kSelect, kProbe);
    std::vector<std::string> events;
    transport.setEvents([&events](bool, const std::string& text) { events.push_back(text); });
    REQUIRE(transport.transmitRaw(kStatus).ok());
    reader.linkBroken = true;
    reader.atr = Bytes{0x3B, 0x01};
    REQUIRE_FALSE(transport.transmitRaw(kDebit).ok());
    REQUIRE(events.size() == 2);
    CHECK(events[1].find("ATR changed: 3B00 -> 3B01") != std::string::npos);
  }

  TEST_CASE("reconnect: no card yet is a clear error, and the card is taken once it is back") {
    FakeReader reader;
    reader.cardPresent = false;
    ReconnectingTransport transport(connectorFor(reader), kSelect);
    auto missing = transport.transmitRaw(kStatus);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("home card not reachable") == 0);
    CHECK(transport.atr().ok() == false);
    reader.cardPresent = true;
    CHECK(transport.transmitRaw(kStatus).ok());
    CHECK(reader.sentPerLink.size() == 1);
  }

  TEST_CASE("reconnect: a card that refuses the applet's SELECT is not used") {
    FakeReader reader;
    reader.selectAnswer = {0x6A, 0x82};
    ReconnectingTransport transport(connectorFor(reader), kSelect);
    auto refused = transport.transmitRaw(kStatus);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("SELECT") != std::string::npos);
    CHECK(reader.sentPerLink.at(0) == std::vector<Bytes>{kSelect});  // the command never sent
    reader.selectAnswer = {0x90, 0x00};
    CHECK(transport.transmitRaw(kStatus).ok());
    CHECK(reader.sentPerLink.size() == 2);
  }
}

}  // namespace hp::home_server
