// The channel over a real loopback TCP connection: ChannelConnection framing, the full
// handshake, resumption with fall-back, and truncation of the stream.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest.h>

#include <chrono>
#include <future>
#include <thread>

#include "host/channel/channel_connection.hpp"
#include "host/channel/frame.hpp"
#include "tests/support/channel_fixture.hpp"

namespace hp::channel::test {

namespace {

// A connected pair of TCP sockets over 127.0.0.1 (terminal end, server end).
std::pair<int, int> loopbackPair() {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // any free port
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const int terminal = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(terminal, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  const int server = ::accept(listener, nullptr, nullptr);
  REQUIRE(server >= 0);
  ::close(listener);
  return {terminal, server};
}

// The home server's side of one connection: echoes records in upper case until the terminal
// closes, then closes too. Returns what happened, for the test thread to check.
struct ServerOutcome {
  bool established = false;
  bool resumed = false;
  std::vector<std::string> received;
  std::string error;
  bool cleanClose = false;
};

ServerOutcome serveOne(ChannelFixture& fx, int fd) {
  ServerOutcome outcome;
  ServerHandshake handshake(fx.serverConfig());
  auto connection = ChannelConnection::acceptFromTerminal(fd, handshake);
  if (!connection) {
    outcome.error = connection.error().message;
    ::close(fd);
    return outcome;
  }
  outcome.established = true;
  outcome.resumed = handshake.resumed();
  while (true) {
    auto record = (*connection)->receive();
    if (!record) {
      outcome.error = record.error().message;
      return outcome;
    }
    if (!record->has_value()) break;
    std::string text((*record)->begin(), (*record)->end());
    outcome.received.push_back(text);
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!(*connection)->send(bytesOf(text))) return outcome;
  }
  outcome.cleanClose = (*connection)->close().ok();
  return outcome;
}

// One terminal connection: sends each message, expects it back upper-cased, closes.
void terminalSession(ChannelFixture& fx, bool tryResume, bool* resumed) {
  auto [terminalFd, serverFd] = loopbackPair();
  auto server = std::async(std::launch::async, [&fx, fd = serverFd] { return serveOne(fx, fd); });
  ClientHandshake handshake = fx.makeClient();
  auto connection = ChannelConnection::connectAsTerminal(
      terminalFd, handshake, tryResume, [&fx] { return fx.agent->prepareShare(fx.clock.nowMs()); });
  if (!connection.ok()) FAIL(connection.error().message);
  *resumed = handshake.resumed();
  for (const char* text : {"status", "unlock front door"}) {
    REQUIRE((*connection)->send(bytesOf(text)).ok());
    auto reply = (*connection)->receive();
    REQUIRE(reply.ok());
    REQUIRE(reply->has_value());
    std::string upper(text);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(**reply == bytesOf(upper));
  }
  REQUIRE((*connection)->close().ok());
  auto end = (*connection)->receive();
  REQUIRE(end.ok());
  CHECK_FALSE(end->has_value());  // the server's authenticated close
  const ServerOutcome outcome = server.get();
  CHECK(outcome.error.empty());
  CHECK(outcome.established);
  CHECK(outcome.cleanClose);
  CHECK(outcome.resumed == *resumed);
  CHECK(outcome.received == std::vector<std::string>{"status", "unlock front door"});
}

}  // namespace

TEST_CASE("full handshake, data and clean close over loopback TCP") {
  ChannelFixture fx(501);
  bool resumed = true;
  terminalSession(fx, /*tryResume=*/true, &resumed);  // no ticket yet: full
  CHECK_FALSE(resumed);
  CHECK(fx.agent->hasTicket());
}

TEST_CASE("resumption over TCP, and fall-back to a full handshake when refused") {
  ChannelFixture fx(502);
  bool resumed = false;
  terminalSession(fx, false, &resumed);
  REQUIRE(fx.agent->hasTicket());
  terminalSession(fx, true, &resumed);
  CHECK(resumed);
  terminalSession(fx, true, &resumed);  // with the rotated ticket
  CHECK(resumed);

  SUBCASE("unknown ticket: fall back on the same socket") {
    fx.tickets.revokeTerminal("laptop-1");  // as after a server restart
    terminalSession(fx, true, &resumed);
    CHECK_FALSE(resumed);
    CHECK(fx.agent->hasTicket());
  }
  SUBCASE("expired ticket: the terminal goes straight to a full handshake") {
    fx.clock.advanceMs(12ull * 3600 * 1000);
    terminalSession(fx, true, &resumed);
    CHECK_FALSE(resumed);
  }
}

// issue 12: the terminal's mode choice needs the home link's round trip. The TCP connect is no
// measure (here, as through a relay that accepts locally, it completes at once); the handshake's
// ClientHello-to-answer time is: a server answering 80 ms late shows as >= 80 ms.
TEST_CASE("the handshake's round trip is measured from the ClientHello to the answer") {
  ChannelFixture fx(503);
  auto [terminalFd, serverFd] = loopbackPair();  // connected: the accept happened already
  auto server = std::async(std::launch::async, [&fx, fd = serverFd] {
    std::this_thread::sleep_for(std::chrono::milliseconds(80));  // the link's delay
    return serveOne(fx, fd);
  });
  ClientHandshake handshake = fx.makeClient();
  auto connection = ChannelConnection::connectAsTerminal(
      terminalFd, handshake, true, [&fx] { return fx.agent->prepareShare(fx.clock.nowMs()); });
  if (!connection.ok()) FAIL(connection.error().message);
  CHECK((*connection)->handshakeRttMs() >= 80);
  CHECK((*connection)->handshakeRttMs() < 5000);
  REQUIRE((*connection)->close().ok());
  (void)(*connection)->receive();
  CHECK(server.get().established);
}

TEST_CASE("a refused terminal gets the reason over TCP") {
  ChannelFixture fx(503);
  fx.registry.revoke("laptop-1");
  auto [terminalFd, serverFd] = loopbackPair();
  auto server = std::async(std::launch::async, [&fx, fd = serverFd] { return serveOne(fx, fd); });
  ClientHandshake handshake = fx.makeClient();
  auto connection = ChannelConnection::connectAsTerminal(
      terminalFd, handshake, false, [&fx] { return fx.agent->prepareShare(fx.clock.nowMs()); });
  REQUIRE_FALSE(connection.ok());
  CHECK(connection.error().message == "server refused: terminal not authenticated");
  CHECK(server.get().error == "terminal not authenticated");
  ::close(terminalFd);
}

TEST_CASE("a stream cut without a close record is reported as truncation") {
  ChannelFixture fx(504);
  auto [terminalFd, serverFd] = loopbackPair();
  auto server = std::async(std::launch::async, [&fx, fd = serverFd]() -> std::string {
    ServerHandshake handshake(fx.serverConfig());
    auto connection = ChannelConnection::acceptFromTerminal(fd, handshake);
    if (!connection) return connection.error().message;
    auto first = (*connection)->receive();
    if (!first || !first->has_value()) return "first record missing";
    auto second = (*connection)->receive();
    return second.ok() ? "no error" : second.error().message;
  });
  ClientHandshake handshake = fx.makeClient();
  auto connection = ChannelConnection::connectAsTerminal(
      terminalFd, handshake, false, [&fx] { return fx.agent->prepareShare(fx.clock.nowMs()); });
  REQUIRE(connection.ok());
  REQUIRE((*connection)->send(bytesOf("one")).ok());
  connection->reset();  // closes the socket without a close record
  CHECK(server.get() == "connection ended without a close record");
}

}  // namespace hp::channel::test

namespace hp::channel::test {

TEST_CASE("a frame header announcing a huge payload is refused before anything is read") {
  ChannelFixture fx(505);
  auto [terminalFd, serverFd] = loopbackPair();
  auto server = std::async(std::launch::async, [&fx, fd = serverFd]() -> std::string {
    ServerHandshake handshake(fx.serverConfig());
    auto connection = ChannelConnection::acceptFromTerminal(fd, handshake);
    ::close(fd);
    return connection.ok() ? "accepted" : connection.error().message;
  });
  // 1 GiB announced, nothing sent: a server that tried to read it would block forever.
  REQUIRE(writeFrame(terminalFd, encodeFrameHeader(FrameType::kHandshake, 1u << 30)).ok());
  CHECK(server.get() == "frame of 1073741824 bytes exceeds the bound of 1024");
  ::close(terminalFd);
}

}  // namespace hp::channel::test
