// ReconnectingTransport: the home server's link to a card that was killed and restarted (or
// pulled and put back). A fake reader stands in for PC/SC: each "insertion" is a new link that
// records what it was sent and can be made to fail as a removed card does.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "reconnecting_transport.hpp"

namespace hp::home {

namespace {

const Bytes kSelect{0x00, 0xA4, 0x04, 0x0C, 0x01, 0xF0};
const Bytes kStatus{0x00, 0xCA, 0xDF, 0x40, 0x00};

// What the fake reader holds: which link is current and what each link saw.
struct FakeReader {
  bool cardPresent = true;
  Bytes selectAnswer{0x90, 0x00};
  std::vector<std::vector<Bytes>> sentPerLink;  // one list of commands per link opened
  bool linkBroken = false;                      // the current link's card is gone
};

class FakeLink final : public pcsc::Transport {
 public:
  FakeLink(FakeReader& reader, size_t index) : reader_(reader), index_(index) {}
  Result<Bytes> transmitRaw(ByteView command) override {
    if (reader_.linkBroken && index_ + 1 == reader_.sentPerLink.size()) {
      return makeError("SCardTransmit: the card was removed (SCARD_W_REMOVED_CARD)");
    }
    reader_.sentPerLink[index_].emplace_back(command.begin(), command.end());
    if (Bytes(command.begin(), command.end()) == kSelect) return reader_.selectAnswer;
    return Bytes{0x69, 0x82};  // a restarted card has no PIN verified
  }
  Result<void> reset() override { return {}; }
  Result<Bytes> atr() override { return Bytes{0x3B, 0x00}; }
  std::string describe() const override { return "fake reader"; }

 private:
  FakeReader& reader_;
  size_t index_;
};

ReconnectingTransport::Connector connectorFor(FakeReader& reader) {
  return [&reader]() -> Result<std::unique_ptr<pcsc::Transport>> {
    if (!reader.cardPresent) return makeError("SCardConnect: no card in the reader");
    reader.linkBroken = false;
    reader.sentPerLink.emplace_back();
    return std::unique_ptr<pcsc::Transport>(
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
    const Bytes debit{0x80, 0x32, 0x00, 0x00, 0x01, 0x00};
    auto lost = transport.transmitRaw(debit);
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().message.find("removed") != std::string::npos);
    CHECK(reader.sentPerLink.size() == 1);  // not relinked yet, and the DEBIT not repeated

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

}  // namespace hp::home
