// The PIM wing against a stand-in Radicale on loopback (a thread answering one canned response
// per connection): what it is sent (the user from pim.users, no client auth), long answers in
// parts (attached and base64) reassembled exactly, and the errors the user reads. The real
// Radicale is in tests/pim_live.
#include <doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "host/home_server/daemon/config.hpp"
#include "host/home_server/pim/pim_relay.hpp"

namespace hp::home_server {

namespace {

namespace wire = protocol::rpc;

// Answers every connection with `response` after reading the request head and body.
class FakeRadicale {
 public:
  explicit FakeRadicale(std::string response) : response_(std::move(response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRadicale() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port = 0;
  std::string lastRequest;

 private:
  void serve() {
    while (!stop_) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      // The relay sends Content-Length; read until the head and that many body bytes arrived.
      while (true) {
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
        const size_t head = request.find("\r\n\r\n");
        const size_t lengthAt = request.find("Content-Length: ");
        if (head != std::string::npos && lengthAt != std::string::npos &&
            request.size() >= head + 4 + std::stoul(request.substr(lengthAt + 16))) {
          break;
        }
      }
      lastRequest = request;
      ::send(client, response_.data(), response_.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }
  std::string response_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

PimConfig configFor(uint16_t port) {
  PimConfig config;
  config.enabled = true;
  config.radicalePort = port;
  config.users["terminal-1"] = "alice";
  return config;
}

wire::PimRequest::Params propfind() {
  wire::PimRequest::Params params;
  params.method = "PROPFIND";
  params.path = "/alice/contacts/";
  params.headers = {{"depth", "1"}, {"authorization", "Basic Ym9i"}, {"x-remote-user", "bob"}};
  return params;
}

std::string okResponse(const std::string& body) {
  return "HTTP/1.1 207 Multi-Status\r\nContent-Type: text/xml\r\nSet-Cookie: x=y\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_SUITE("pim") {
  TEST_CASE("the user is the terminal's; client auth never reaches Radicale") {
    FakeRadicale radicale(okResponse("<multistatus/>"));
    ServerLog log(LogLevel::kError);
    PimRelay relay(configFor(radicale.port), log);
    auto answer = relay.request("terminal-1", propfind());
    REQUIRE(answer.ok());
    CHECK(answer->status == 207);
    CHECK(std::string(answer->body.begin(), answer->body.end()) == "<multistatus/>");
    CHECK(answer->headers.count("set-cookie") == 0);
    CHECK(radicale.lastRequest.find("X-Remote-User: alice\r\n") != std::string::npos);
    CHECK(radicale.lastRequest.find("bob") == std::string::npos);
    CHECK(radicale.lastRequest.find("Ym9i") == std::string::npos);
    auto stranger = relay.request("terminal-9", propfind());
    REQUIRE_FALSE(stranger.ok());
    CHECK(stranger.error().code == "pim_not_enabled");
  }

  TEST_CASE("a long answer comes in parts, attached or base64, and reassembles exactly") {
    std::string body;
    for (size_t i = 0; body.size() < 1'300'000; ++i) body += std::to_string(i * 7919) + ",";
    FakeRadicale radicale(okResponse(body));
    ServerLog log(LogLevel::kError);
    PimRelay relay(configFor(radicale.port), log);
    for (const bool attached : {true, false}) {
      INFO(attached);
      SecretBytes attachment;
      SecretBytes* slot = attached ? &attachment : nullptr;
      std::string got;
      auto first = relay.request("terminal-1", propfind(), slot);
      REQUIRE(first.ok());
      size_t parts = 1;
      CHECK(first->attached == (attached ? wire::kMaxPimAttachedPart : 0));
      got.append(attached ? std::string(attachment.view().begin(), attachment.view().end())
                          : std::string(first->body.begin(), first->body.end()));
      for (uint64_t rest = first->rest; rest > 0; ++parts) {
        auto more = relay.more("terminal-1", first->stream, slot);
        REQUIRE(more.ok());
        CHECK(more->rest < rest);
        got.append(attached ? std::string(attachment.view().begin(), attachment.view().end())
                            : std::string(more->body.begin(), more->body.end()));
        rest = more->rest;
      }
      CHECK(got == body);
      CHECK(parts ==
            (attached ? (body.size() + wire::kMaxPimAttachedPart - 1) / wire::kMaxPimAttachedPart
                      : (body.size() + wire::kMaxPimPart - 1) / wire::kMaxPimPart));
      CHECK_FALSE(relay.more("terminal-1", first->stream, slot).ok());  // nothing held any more
    }
  }

  TEST_CASE("a later request's parts are not handed to an earlier stream") {
    FakeRadicale radicale(okResponse(std::string(600'000, 'x')));
    ServerLog log(LogLevel::kError);
    PimRelay relay(configFor(radicale.port), log);
    auto first = relay.request("terminal-1", propfind());
    REQUIRE(first.ok());
    REQUIRE(first->rest > 0);
    auto second = relay.request("terminal-1", propfind());
    REQUIRE(second.ok());
    CHECK(second->stream != first->stream);
    auto stale = relay.more("terminal-1", first->stream);
    REQUIRE_FALSE(stale.ok());
    CHECK(stale.error().code == "not_found");
    CHECK(relay.more("terminal-1", second->stream).ok());
    CHECK_FALSE(relay.more("terminal-2", second->stream).ok());  // another terminal: none held
  }

  TEST_CASE("each channel of a terminal holds its own response; a few at most") {
    std::string body;
    for (size_t i = 0; body.size() < 300'000; ++i) body += std::to_string(i * 31) + ";";
    FakeRadicale radicale(okResponse(body));
    ServerLog log(LogLevel::kError);
    PimRelay relay(configFor(radicale.port), log);
    // Two requests of one terminal in flight on channels 1 and 2, their parts read interleaved.
    SecretBytes a, b;
    auto first = relay.request("terminal-1", propfind(), &a, 1);
    auto second = relay.request("terminal-1", propfind(), &b, 2);
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    REQUIRE(first->rest > 0);
    std::string gotA(a.view().begin(), a.view().end()), gotB(b.view().begin(), b.view().end());
    for (uint64_t restA = first->rest, restB = second->rest; restA > 0 || restB > 0;) {
      if (restA > 0) {
        auto more = relay.more("terminal-1", first->stream, &a, 1);
        REQUIRE(more.ok());
        gotA.append(a.view().begin(), a.view().end());
        restA = more->rest;
      }
      if (restB > 0) {
        auto more = relay.more("terminal-1", second->stream, &b, 2);
        REQUIRE(more.ok());
        gotB.append(b.view().begin(), b.view().end());
        restB = more->rest;
      }
    }
    CHECK(gotA == body);
    CHECK(gotB == body);
    // Another channel of the same terminal cannot read a channel's held response.
    auto third = relay.request("terminal-1", propfind(), &a, 3);
    REQUIRE(third.ok());
    auto foreign = relay.more("terminal-1", third->stream, &b, 4);
    REQUIRE_FALSE(foreign.ok());
    CHECK(foreign.error().code == "not_found");
    // Past kMaxHeldPerTerminal held responses, the terminal's oldest is dropped.
    std::vector<uint64_t> streams{third->stream};
    for (uint64_t channel = 10; channel < 10 + PimRelay::kMaxHeldPerTerminal; ++channel) {
      auto held = relay.request("terminal-1", propfind(), &a, channel);
      REQUIRE(held.ok());
      streams.push_back(held->stream);
    }
    auto dropped = relay.more("terminal-1", streams[0], &a, 3);
    REQUIRE_FALSE(dropped.ok());
    CHECK(dropped.error().code == "not_found");
    CHECK(relay.more("terminal-1", streams[1], &a, 10).ok());
  }

  TEST_CASE("Radicale down, or refusing an item: errors that say so") {
    uint16_t port = 0;
    {
      FakeRadicale gone(okResponse(""));
      port = gone.port;
    }
    ServerLog log(LogLevel::kError);
    PimRelay down(configFor(port), log);
    auto failed = down.request("terminal-1", propfind());
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code == "pim_unavailable");
    CHECK(failed.error().message.find("Radicale is not running on 127.0.0.1:") !=
          std::string::npos);

    FakeRadicale refusing("HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nBad Request");
    PimRelay relay(configFor(refusing.port), log);
    auto put = propfind();
    put.method = "PUT";
    put.path = "/alice/calendar/x.ics";
    put.body = {'B', 'E', 'G', 'I', 'N'};
    auto refused = relay.request("terminal-1", put);
    REQUIRE(refused.ok());
    CHECK(refused->status == 400);
    CHECK(std::string(refused->body.begin(), refused->body.end()).find("not valid iCalendar") !=
          std::string::npos);
  }

  TEST_CASE("config: the pim section") {
    auto config = parseHomeServerConfig(
        R"({"trust_store_ca_file":"/c","server_key_file":"/k",)"
        R"("pim":{"radicale_port":5300,"users":{"t1":"alice","t2":"alice"}}})");
    REQUIRE(config.ok());
    CHECK(config->pim.enabled);
    CHECK(config->pim.radicalePort == 5300);
    CHECK(config->pim.users.at("t2") == "alice");
    auto none = parseHomeServerConfig(R"({"trust_store_ca_file":"/c","server_key_file":"/k"})");
    REQUIRE(none.ok());
    CHECK_FALSE(none->pim.enabled);
    for (const char* bad : {R"({"users":{"t1":"../bob"}})", R"({"users":{"t1":"a/b"}})",
                            R"({"radicale_port":0})", R"({"host":"10.0.0.1"})"}) {
      INFO(bad);
      auto refused = parseHomeServerConfig(
          std::string(R"({"trust_store_ca_file":"/c","server_key_file":"/k","pim":)") + bad + "}");
      CHECK_FALSE(refused.ok());
    }
  }
}

}  // namespace hp::home_server
