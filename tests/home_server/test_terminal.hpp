// A terminal for the tests: a software access card (SoftwareTerminalKeyAgent), the channel's
// client handshake over loopback TCP, and RPC calls over the connection. Plus a home server
// wired with software pieces (home card over the test PKI's user key, in-memory terminal
// directory, generated channel key), on a kernel-chosen port, with its log captured.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/channel/channel_connection.hpp"
#include "host/channel/software_identity.hpp"
#include "host/home_server/daemon/home_server.hpp"
#include "protocol/rpc/message.hpp"
#include "tests/support/in_process_home_card.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/tls_proxy/test_signers.hpp"

namespace hp::home_server::test {

class TestTerminal {
 public:
  TestTerminal(std::string id, uint64_t seed);
  // A full handshake (or, with resume, a resumption with the agent's ticket, falling back to a
  // full handshake) with the server at 127.0.0.1:port.
  Result<std::unique_ptr<channel::ChannelConnection>> connect(uint16_t port,
                                                              const Bytes& serverPublicKey,
                                                              bool resume = false);
  Bytes publicKey() const { return agent_->publicKey(); }
  const std::string& id() const { return id_; }
  // The ticket stays inside the software agent, as on the access card.
  bool hasTicket() const { return agent_->hasTicket(); }
  bool lastResumed = false;

 private:
  std::string id_;
  std::unique_ptr<base::Rng> rng_;
  channel::SystemWallClock clock_;
  std::unique_ptr<channel::SoftwareTerminalKeyAgent> agent_;
};

// One RPC over the connection (REQUIREs a well-formed response). `attachment` receives the
// binary part of the answer (session.open's hand-out, relay.request's page); without it one must
// not come. `input` goes after the request's JSON (relay.request's POST body).
protocol::rpc::Response call(channel::ChannelConnection& connection, const std::string& method,
                             const Json::Value& params = Json::Value(Json::objectValue),
                             SecretBytes* attachment = nullptr, ByteView input = {});
// Sends raw text as one RPC message and parses what comes back.
protocol::rpc::Response callRaw(channel::ChannelConnection& connection, const std::string& text,
                                SecretBytes* attachment = nullptr, ByteView input = {});

class ServerFixture {
 public:
  static constexpr const char* kPin1 = "123456";
  static constexpr const char* kPin2 = "654321";

  explicit ServerFixture(bool withAdminSocket = false);
  ~ServerFixture();

  Bytes serverPublicKey() const { return serverSigner->publicKey(); }
  uint16_t port() const { return server->port(); }
  std::vector<std::string> logLines();
  bool logContains(const std::string& text);

  hp::test::TempDir tempDir;  // the admin socket's; removed with the fixture
  std::string adminSocket;
  std::atomic<int64_t> clockOffsetSeconds{0};
  // The real home card applet in this process; card is its CardHomeCard.
  std::unique_ptr<InProcessHomeCard> inProcessCard;
  HomeCard* card = nullptr;
  MemoryTerminalDirectory terminals;
  std::unique_ptr<base::Rng> serverRng;
  std::unique_ptr<channel::SoftwareServerSigner> serverSigner;
  channel::SystemWallClock wallClock;
  std::unique_ptr<HomeServer> server;

 private:
  std::mutex logMutex_;
  std::vector<std::string> lines_;
};

}  // namespace hp::home_server::test
