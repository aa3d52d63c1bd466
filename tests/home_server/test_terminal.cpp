#include "tests/home_server/test_terminal.hpp"

#include <arpa/inet.h>
#include <doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "base/ec_key.hpp"
#include "host/channel/client_handshake.hpp"
#include "host/rpc/channel_messages.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace hp::home_server::test {

TestTerminal::TestTerminal(std::string id, uint64_t seed)
    : id_(std::move(id)), rng_(base::makeSeededRng(seed)) {
  auto key = base::EcKeyPair::generate(*rng_);
  REQUIRE(key.ok());
  // The home server key is set per connection (connect's argument), as the card's DF 31.
  agent_ = std::make_unique<channel::SoftwareTerminalKeyAgent>(id_, std::move(key.value()), Bytes{},
                                                               *rng_, 10 * 60 * 1000);
}

Result<std::unique_ptr<channel::ChannelConnection>> TestTerminal::connect(
    uint16_t port, const Bytes& serverPublicKey, bool resume) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return makeError("connect failed");
  }
  channel::ClientConfig config;
  agent_->setHomeServerKey(serverPublicKey);
  config.clock = &clock_;
  config.rng = rng_.get();
  channel::ClientHandshake handshake(config, *agent_);
  auto connection = channel::ChannelConnection::connectAsTerminal(
      fd, handshake, resume, [this] { return agent_->prepareShare(clock_.nowMs()); });
  if (!connection) {
    ::close(fd);
    return connection.error();
  }
  lastResumed = handshake.resumed();
  return connection;
}

protocol::rpc::Response callRaw(channel::ChannelConnection& connection, const std::string& text,
                                SecretBytes* attachment, ByteView input) {
  REQUIRE(rpc::sendMessage(connection, text, input).ok());
  auto answer = rpc::receiveMessageWithAttachment(connection);
  REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? "" : answer.error().message));
  REQUIRE(answer->has_value());
  auto response = protocol::rpc::parseResponse((*answer)->text);
  REQUIRE_MESSAGE(response.ok(), (*answer)->text);
  if (attachment != nullptr) {
    *attachment = std::move((*answer)->attachment);
  } else {
    CHECK((*answer)->attachment.empty());
  }
  return response.value();
}

protocol::rpc::Response call(channel::ChannelConnection& connection, const std::string& method,
                             const Json::Value& params, SecretBytes* attachment, ByteView input) {
  static std::atomic<uint64_t> nextId{1};
  protocol::rpc::Request request;
  request.id = nextId++;
  request.method = method;
  request.params = params;
  protocol::rpc::Response response =
      callRaw(connection, protocol::rpc::encodeRequest(request), attachment, input);
  CHECK(response.id == std::optional<uint64_t>(request.id));
  return response;
}

ServerFixture::ServerFixture(bool withAdminSocket) : serverRng(base::makeSeededRng(77)) {
  const auto& pki = tls_proxy::test::testPki();
  adminSocket = withAdminSocket ? tempDir.file("admin.sock") : "";

  // The user's certificate from the test CA, which the test shops trust for client certificates.
  InProcessHomeCardOptions cardOptions;
  cardOptions.pin1 = kPin1;
  cardOptions.pin2 = kPin2;
  cardOptions.seed = 77;
  cardOptions.issuerKeyFile = pki.dir + "/ca.key";
  cardOptions.issuerName = "CN=homeproxy test CA";
  auto made = InProcessHomeCard::create(cardOptions);
  REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message));
  inProcessCard = std::move(made.value());
  card = &inProcessCard->card();
  auto key = base::EcKeyPair::generate(*serverRng);
  REQUIRE(key.ok());
  serverSigner =
      std::make_unique<channel::SoftwareServerSigner>(std::move(key.value()), *serverRng);

  HomeServerConfig config;
  config.listenPort = 0;
  config.maxConnections = 4;
  config.trustStoreCaFile = pki.caCert;
  config.serverKeyFile = "(injected)";
  config.sessionLifetimeCapSeconds = 60;
  config.adminSocketPath = adminSocket;
  config.logLevel = LogLevel::kDebug;
  HomeServerParts parts;
  parts.card = card;
  parts.terminals = &terminals;
  parts.serverSigner = serverSigner.get();
  parts.wallClock = &wallClock;
  parts.shopConnectAddress = "127.0.0.1";
  config.relay.shops = {"localhost"};  // the test shops, on 127.0.0.1 (relay_policy.hpp)
  parts.unixNow = [this] { return tls_proxy::systemUnixNow() + clockOffsetSeconds.load(); };
  parts.logSink = [this](std::string_view line) {
    std::lock_guard lock(logMutex_);
    lines_.emplace_back(line);
  };
  server = std::make_unique<HomeServer>(config, parts);
  auto started = server->start();
  REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
  REQUIRE(server->port() != 0);
}

ServerFixture::~ServerFixture() {
  server->stop();  // tempDir goes after it, with anything left in it
}

std::vector<std::string> ServerFixture::logLines() {
  std::lock_guard lock(logMutex_);
  return lines_;
}

bool ServerFixture::logContains(const std::string& text) {
  for (const auto& line : logLines()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace hp::home_server::test
