// RPC messages over a real channel (host/rpc/channel_messages.hpp): text split over records,
// the binary attachment (flags 0x02/0x03, over several records when large), and refusal of
// malformed records.
#include <arpa/inet.h>
#include <doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "host/channel/channel_connection.hpp"
#include "host/rpc/channel_messages.hpp"
#include "protocol/rpc/message.hpp"
#include "tests/support/channel_fixture.hpp"

namespace hp::rpc {

namespace {

using channel::ChannelConnection;

// Both ends of one established channel over loopback TCP.
struct ChannelPair {
  channel::test::ChannelFixture fx{801};
  std::unique_ptr<ChannelConnection> terminal;
  std::unique_ptr<ChannelConnection> server;

  ChannelPair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    const int terminalFd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(terminalFd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    const int serverFd = ::accept(listener, nullptr, nullptr);
    REQUIRE(serverFd >= 0);
    ::close(listener);
    // A thread rather than std::async, and the Result kept in the thread: gcc 12 reports a false
    // -Wfree-nonheap-object when a moved-from Result<unique_ptr<ChannelConnection>> temporary
    // is destroyed inside std::future's (or std::optional's) setter.
    std::unique_ptr<ChannelConnection> accepted;
    std::string acceptError;
    std::thread acceptor([this, serverFd, &accepted, &acceptError] {
      channel::ServerHandshake handshake(fx.serverConfig());
      auto result = ChannelConnection::acceptFromTerminal(serverFd, handshake);
      if (result.ok()) {
        accepted = std::move(result.value());
      } else {
        acceptError = result.error().message;
      }
    });
    channel::ClientHandshake handshake = fx.makeClient();
    auto connected = ChannelConnection::connectAsTerminal(
        terminalFd, handshake, false, [this] { return fx.agent->prepareShare(fx.clock.nowMs()); });
    acceptor.join();
    REQUIRE(connected.ok());
    INFO(acceptError);
    REQUIRE(accepted != nullptr);
    terminal = std::move(connected.value());
    server = std::move(accepted);
  }
};

Bytes pattern(size_t size, uint8_t seed) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
  return out;
}

}  // namespace

TEST_SUITE("channel_messages") {
  TEST_CASE("text alone, text with an attachment, and long text with one, arrive whole") {
    ChannelPair pair;
    // A plain message: no attachment.
    REQUIRE(sendMessage(*pair.server, R"({"v":1})").ok());
    auto plain = receiveMessageWithAttachment(*pair.terminal);
    REQUIRE(plain.ok());
    REQUIRE(plain->has_value());
    CHECK((*plain)->text == R"({"v":1})");
    CHECK((*plain)->attachment.empty());

    // Text and a binary attachment in one record.
    const Bytes handout = pattern(99, 3);
    REQUIRE(sendMessage(*pair.server, R"({"cached":true})", handout).ok());
    auto withAttachment = receiveMessageWithAttachment(*pair.terminal);
    REQUIRE(withAttachment.ok());
    REQUIRE(withAttachment->has_value());
    CHECK((*withAttachment)->text == R"({"cached":true})");
    CHECK(std::ranges::equal((*withAttachment)->attachment.view(), handout));

    // Text longer than one record: the attachment rides on the last one.
    const std::string longText(150'000, 'x');
    const Bytes oneRecord = pattern(60 * 1024, 9);
    REQUIRE(sendMessage(*pair.server, longText, oneRecord).ok());
    auto split = receiveMessageWithAttachment(*pair.terminal);
    REQUIRE(split.ok());
    REQUIRE(split->has_value());
    CHECK((*split)->text == longText);
    CHECK(std::ranges::equal((*split)->attachment.view(), oneRecord));

    // Long text and the largest attachment (a relayed page): the attachment spans records
    // (0x03 ... 0x02). Sent from a thread: 1 MiB does not fit the socket's buffers unread.
    const Bytes big = pattern(kMaxAttachmentBytes, 5);
    bool bigSent = false;
    std::thread sender([&] { bigSent = sendMessage(*pair.server, longText, big).ok(); });
    auto spanning = receiveMessageWithAttachment(*pair.terminal);
    sender.join();
    CHECK(bigSent);
    REQUIRE(spanning.ok());
    REQUIRE(spanning->has_value());
    CHECK((*spanning)->text == longText);
    CHECK(std::ranges::equal((*spanning)->attachment.view(), big));

    // A short text with an attachment just over one record's room.
    const Bytes twoRecords = pattern(70'000, 2);
    REQUIRE(sendMessage(*pair.terminal, R"({"id":7})", twoRecords).ok());
    auto request = receiveMessageWithAttachment(*pair.server);
    REQUIRE(request.ok());
    REQUIRE(request->has_value());
    CHECK((*request)->text == R"({"id":7})");
    CHECK(std::ranges::equal((*request)->attachment.view(), twoRecords));

    // receiveMessage (for peers that expect none) returns the text and drops the attachment.
    REQUIRE(sendMessage(*pair.terminal, "request", pattern(10, 1)).ok());
    auto text = receiveMessage(*pair.server);
    REQUIRE(text.ok());
    REQUIRE(text->has_value());
    CHECK(**text == "request");
  }

  TEST_CASE("an attachment over the bound is not sent") {
    ChannelPair pair;
    auto sent = sendMessage(*pair.server, "{}", pattern(kMaxAttachmentBytes + 1, 0));
    REQUIRE_FALSE(sent.ok());
    CHECK(sent.error().message == "RPC attachment too large");
  }

  TEST_CASE("malformed attachment records are refused") {
    struct Case {
      Bytes record;
      const char* message;
    };
    const Case cases[] = {
        {Bytes{kFinalWithAttachment, 0x00}, "RPC: truncated attachment record"},
        {Bytes{kFinalWithAttachment, 0x00, 0x05, '{', '}'}, "RPC: truncated attachment record"},
        {Bytes{kFinalWithAttachment, 0x00, 0x02, '{', '}'}, "RPC: attachment empty or too large"},
        {Bytes{kMoreAttachment, 0x00}, "RPC: truncated attachment record"},
        {Bytes{0x04, '{', '}'}, "RPC: unknown fragment flag"},
    };
    for (const Case& c : cases) {
      ChannelPair pair;
      REQUIRE(pair.server->send(c.record).ok());
      auto received = receiveMessageWithAttachment(*pair.terminal);
      REQUIRE_FALSE(received.ok());
      CHECK(received.error().message == c.message);
    }
  }

  TEST_CASE("after an attachment part, text or a plain record is refused") {
    const Bytes first{kMoreAttachment, 0x00, 0x02, '{', '}', 0xAA};
    const Bytes seconds[] = {
        Bytes{kFinalWithAttachment, 0x00, 0x01, 'x', 0xBB},  // text after the attachment began
        Bytes{kFinalFragment, 'x'},                          // a plain record
        Bytes{kFinalWithAttachment, 0x00, 0x00},             // an empty part
    };
    const char* messages[] = {"RPC: text after the attachment", "RPC: text after the attachment",
                              "RPC: attachment empty or too large"};
    for (size_t i = 0; i < 3; ++i) {
      ChannelPair pair;
      REQUIRE(pair.server->send(first).ok());
      REQUIRE(pair.server->send(seconds[i]).ok());
      auto received = receiveMessageWithAttachment(*pair.terminal);
      REQUIRE_FALSE(received.ok());
      CHECK(received.error().message == messages[i]);
    }
    // The same first record, then its last part: one message.
    ChannelPair pair;
    REQUIRE(pair.server->send(first).ok());
    REQUIRE(pair.server->send(Bytes{kFinalWithAttachment, 0x00, 0x00, 0xBB}).ok());
    auto whole = receiveMessageWithAttachment(*pair.terminal);
    REQUIRE(whole.ok());
    REQUIRE(whole->has_value());
    CHECK((*whole)->text == "{}");
    CHECK(std::ranges::equal((*whole)->attachment.view(), Bytes{0xAA, 0xBB}));
  }
}

}  // namespace hp::rpc
