// ApduClient over an in-process card runtime: GET RESPONSE chains, 6Cxx retries and command
// chaining against the real runtime, plus malformed answers from a scripted transport.
#include <doctest.h>

#include "card/runtime/atr.hpp"
#include "card/runtime/card_runtime.hpp"
#include "host/pcsc_bridge/apdu_client.hpp"
#include "host/pcsc_bridge/in_process_transport.hpp"
#include "tests/pcsc_bridge/test_applet.hpp"
#include "tests/support/replay_transport.hpp"

namespace hp::pcsc_bridge {
namespace {

using test::kInsLongAnswer;
using test::kInsRead;
using test::kInsStore;
using test::kTestAid;
using test::patternByte;

// Counts what goes over the wire, so tests can assert the protocol, not only the result.
class CountingTransport final : public Transport {
 public:
  explicit CountingTransport(Transport& inner) : inner_(inner) {}
  Result<Bytes> transmitRaw(ByteView command) override {
    commands.emplace_back(command.begin(), command.end());
    return inner_.transmitRaw(command);
  }
  Result<void> reset() override { return inner_.reset(); }
  Result<Bytes> atr() override { return inner_.atr(); }
  std::string describe() const override { return inner_.describe(); }
  std::vector<Bytes> commands;

 private:
  Transport& inner_;
};

struct Fixture {
  explicit Fixture(size_t maxChainedData = card::runtime::CardRuntime::kDefaultMaxChainedData)
      : runtime(card::runtime::makeAtr("TEST"), {&applet}, maxChainedData) {}
  test::TestApplet applet;
  card::runtime::CardRuntime runtime;
  InProcessTransport inProcess{runtime, "test card"};
  CountingTransport wire{inProcess};
  ApduClient client{wire};

  void selectApplet() {
    auto selected = client.select(kTestAid);
    REQUIRE(selected);
    REQUIRE(selected->sw == 0x9000);
    wire.commands.clear();
  }
};

bool isPattern(const Bytes& data, size_t length) {
  if (data.size() != length) return false;
  for (size_t i = 0; i < length; ++i) {
    if (data[i] != patternByte(i)) return false;
  }
  return true;
}

TEST_CASE("select returns the FCI with the AID") {
  Fixture f;
  auto selected = f.client.select(kTestAid);
  REQUIRE(selected);
  CHECK(selected->sw == 0x9000);
  REQUIRE(selected->data.size() >= 2 + sizeof kTestAid);
  CHECK(selected->data[0] == 0x6F);
  const uint8_t unknownAid[] = {0xA0, 0x00, 0x00, 0x00, 0x01};
  auto refused = f.client.select(unknownAid);
  REQUIRE(refused);
  CHECK(refused->sw == 0x6A82);
}

TEST_CASE("a 1000-byte answer is reassembled from 61xx and GET RESPONSE") {
  Fixture f;
  f.selectApplet();
  auto response = f.client.transmit(0x80, kInsLongAnswer, 0x03, 0xE8, {}, 256);
  REQUIRE(response);
  CHECK(response->sw == 0x9000);
  CHECK(isPattern(response->data, 1000));
  // 256 with the command, then 256 + 256 + 232 through three GET RESPONSEs.
  REQUIRE(f.wire.commands.size() == 4);
  for (size_t i = 1; i < 4; ++i) {
    CHECK(f.wire.commands[i][1] == 0xC0);
    CHECK(f.wire.commands[i][0] == 0x00);  // interindustry class, not the applet's 80
  }
}

TEST_CASE("an answer to a command without Le is fetched with GET RESPONSE") {
  Fixture f;
  f.selectApplet();
  auto response = f.client.transmit(0x80, kInsLongAnswer, 0x00, 0x20);
  REQUIRE(response);
  CHECK(response->sw == 0x9000);
  CHECK(isPattern(response->data, 32));
  REQUIRE(f.wire.commands.size() == 2);
  CHECK(f.wire.commands[1] == Bytes{0x00, 0xC0, 0x00, 0x00, 0x20});
}

TEST_CASE("6Cxx makes the client send the command again with the exact Le") {
  Fixture f;
  f.selectApplet();
  auto response = f.client.transmit(0x80, kInsRead, 0x00, 0x14, {}, 5);
  REQUIRE(response);
  CHECK(response->sw == 0x9000);
  CHECK(isPattern(response->data, 20));
  REQUIRE(f.wire.commands.size() == 2);
  CHECK(f.wire.commands[0].back() == 0x05);
  CHECK(f.wire.commands[1] == Bytes{0x80, kInsRead, 0x00, 0x14, 0x14});
}

TEST_CASE("600 bytes of command data go as a chain of 255-byte pieces") {
  Fixture f;
  f.selectApplet();
  Bytes data(600);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  auto response = f.client.transmit(0x80, kInsStore, 0x00, 0x00, data, 256);
  REQUIRE(response);
  CHECK(response->sw == 0x9000);
  CHECK(response->data == Bytes{0x02, 0x58});
  CHECK(f.applet.stored == data);
  CHECK(f.applet.storeCount == 1);  // the applet saw one command, not three
  REQUIRE(f.wire.commands.size() == 3);
  CHECK(f.wire.commands[0][0] == 0x90);  // CLA | 0x10 on all but the last piece
  CHECK(f.wire.commands[0][4] == 255);
  CHECK(f.wire.commands[1][0] == 0x90);
  CHECK(f.wire.commands[2][0] == 0x80);
  CHECK(f.wire.commands[2][4] == 90);
}

TEST_CASE("a chain refused by the card stops at the refusal") {
  Fixture f(300);  // the card takes 300 bytes of chained data: the second piece is refused
  f.selectApplet();
  Bytes data(600, 0xAB);
  auto response = f.client.transmit(0x80, kInsStore, 0x00, 0x00, data, 256);
  REQUIRE(response);
  CHECK(response->sw == 0x6A84);
  CHECK(f.wire.commands.size() == 2);
  CHECK(f.applet.storeCount == 0);
}

TEST_CASE("a raw command in wire form is parsed and sent with the same handling") {
  Fixture f;
  f.selectApplet();
  auto response = f.client.transmit(Bytes{0x80, kInsLongAnswer, 0x01, 0x2C, 0x00});
  REQUIRE(response);
  CHECK(isPattern(response->data, 300));
  auto malformed = f.client.transmit(Bytes{0x80, 0x10, 0x00});
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().message.find("malformed command APDU") != std::string::npos);
}

TEST_CASE("malformed or endless answers end in an error, not a loop") {
  SUBCASE("answer without a status word") {
    ReplayTransport replay({{Bytes{0x00, 0xB0, 0x00, 0x00}, Bytes{0x90}}});
    ApduClient client(replay);
    auto response = client.transmit(0x00, 0xB0, 0x00, 0x00);
    REQUIRE_FALSE(response);
    CHECK(response.error().message.find("no status word") != std::string::npos);
  }
  SUBCASE("6Cxx repeated after the correction") {
    ReplayTransport replay({{Bytes{0x00, 0xB0, 0x00, 0x00, 0x05}, Bytes{0x6C, 0x10}},
                            {Bytes{0x00, 0xB0, 0x00, 0x00, 0x10}, Bytes{0x6C, 0x10}}});
    ApduClient client(replay);
    auto response = client.transmit(0x00, 0xB0, 0x00, 0x00, {}, 5);
    REQUIRE_FALSE(response);
    CHECK(response.error().message.find("6C10 again") != std::string::npos);
  }
  SUBCASE("61xx forever") {
    class Endless61 final : public Transport {
     public:
      Result<Bytes> transmitRaw(ByteView) override {
        ++calls;
        Bytes answer(256, 0x11);
        answer.push_back(0x61);
        answer.push_back(0x00);
        return answer;
      }
      Result<void> reset() override { return {}; }
      Result<Bytes> atr() override { return Bytes{}; }
      std::string describe() const override { return "endless card"; }
      size_t calls = 0;
    };
    Endless61 endless;
    ApduClient client(endless);
    auto response = client.transmit(0x00, 0xB0, 0x00, 0x00, {}, 256);
    REQUIRE_FALSE(response);
    CHECK(response.error().message.find("keeps answering 61xx") != std::string::npos);
    CHECK(endless.calls == ApduClient::kMaxResponseBytes / 256 + 1);
  }
  SUBCASE("a transport error is passed on") {
    ReplayTransport replay({});
    ApduClient client(replay);
    auto response = client.transmit(0x00, 0xB0, 0x00, 0x00);
    REQUIRE_FALSE(response);
    CHECK(response.error().message.find("after the end of the recording") != std::string::npos);
  }
}

}  // namespace
}  // namespace hp::pcsc_bridge
