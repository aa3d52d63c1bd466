#include "tests/security/authority_world.hpp"

#include "host/home_server/daemon/admin_socket.hpp"
#include "host/pcsc_bridge/in_process_transport.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::home_server::security {

namespace at = card_adapters::test;

namespace {

// One link to the in-process card; fails once when the world says the card was pulled.
class BreakableLink final : public pcsc_bridge::Transport {
 public:
  BreakableLink(card::runtime::CardRuntime& runtime, bool& breakOnce)
      : inner_(runtime, "homecard"), breakOnce_(breakOnce) {}
  Result<Bytes> transmitRaw(ByteView command) override {
    if (broken_ || breakOnce_) {
      breakOnce_ = false;
      broken_ = true;
      return makeError("SCardTransmit: the card was removed (SCARD_W_REMOVED_CARD)");
    }
    return inner_.transmitRaw(command);
  }
  Result<void> reset() override { return inner_.reset(); }
  Result<Bytes> atr() override { return inner_.atr(); }
  std::string describe() const override { return "in-process home card"; }

 private:
  pcsc_bridge::InProcessTransport inner_;
  bool& breakOnce_;
  bool broken_ = false;
};

const Bytes kSelectHomeCard{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xF0, 0x48, 0x4F,
                            0x4D, 0x45, 0x43, 0x41, 0x52, 0x44, 0x01};

}  // namespace

AuthorityWorld::AuthorityWorld(const Tweak& tweak) {
  link = std::make_unique<ReconnectingTransport>(
      [this]() -> Result<std::unique_ptr<pcsc_bridge::Transport>> {
        return std::unique_ptr<pcsc_bridge::Transport>(
            std::make_unique<BreakableLink>(*homeCard.runtime, breakLinkOnce));
      },
      kSelectHomeCard);
  client = std::make_unique<card_adapters::HomeCardClient>(*link);
  // The card link's pinned key, read from the fresh card as hp_provision does.
  card = std::make_unique<CardHomeCard>(*client, tls_proxy::KeyType::kEcP256,
                                        client->readCardAuthKey().value(), "\"test reader\"");
  directory = std::make_unique<CardTerminalDirectory>(*client);

  adminSocket = tempDir.file("admin.sock");
  serverRng = base::makeSeededRng(at::testSeed() ^ 0x5EC);
  auto serverKey = base::EcKeyPair::generate(*serverRng);
  REQUIRE(serverKey.ok());
  serverSigner =
      std::make_unique<channel::SoftwareServerSigner>(std::move(serverKey.value()), *serverRng);

  HomeServerConfig config;
  config.listenPort = 0;
  config.trustStoreCaFile = tls_proxy::test::testPki().caCert;
  config.serverKeyFile = "(injected)";
  config.adminSocketPath = adminSocket;
  config.relay.shops = {"localhost"};  // the test shops, on 127.0.0.1 (relay_policy.hpp)
  HomeServerParts parts;
  parts.card = card.get();
  parts.terminals = directory.get();
  parts.serverSigner = serverSigner.get();
  parts.wallClock = &wallClock;
  parts.shopConnectAddress = "127.0.0.1";
  parts.cardLink = link.get();  // as main() wires it: the link's events end every grant
  parts.logSink = [this](std::string_view line) {
    std::lock_guard lock(logMutex_);
    lines_.emplace_back(line);
  };
  if (tweak) tweak(config, parts);
  server = std::make_unique<HomeServer>(config, parts);
  REQUIRE(server->start().ok());

  Json::Value pin1;
  pin1["pin"] = std::string(at::kHomePin1);
  REQUIRE(admin("pin1", pin1).ok());
  // The card's EC key certified by the test CA, which the shop trusts for client certificates.
  const auto key = at::must(homeCard.client->readPublicKey(card_adapters::HomeKeyRef::kEc));
  at::mustOk(homeCard.client->select());
  at::must(homeCard.client->verifyPin1(at::kHomePin1));
  at::mustOk(homeCard.client->putCertificate(
      card_adapters::HomeKeyRef::kEc,
      at::makeCertificate(key, "User on the home card", tls_proxy::test::testPki().dir + "/ca.key",
                          "CN=homeproxy test CA")));
  // The set-up client's SELECT reset the applet's security state; it gave PIN1 again itself.
}

AuthorityWorld::~AuthorityWorld() {
  if (server) server->stop();
  server.reset();  // tempDir goes after it, with the admin socket
}

void AuthorityWorld::registerTerminal(const test::TestTerminal& terminal) {
  Json::Value registration;
  registration["id"] = terminal.id();
  registration["key"] = toHex(terminal.publicKey());
  const protocol::rpc::Response registered =
      admin(wire::nameOf<wire::TerminalRegister>(), registration);
  REQUIRE_MESSAGE(registered.ok(), codeOf(registered));
}

std::unique_ptr<channel::ChannelConnection> AuthorityWorld::connect(test::TestTerminal& terminal) {
  auto connection = terminal.connect(server->port(), serverSigner->publicKey());
  REQUIRE_MESSAGE(connection.ok(), (connection.ok() ? "" : connection.error().message));
  return std::move(connection.value());
}

protocol::rpc::Response AuthorityWorld::admin(const std::string& method,
                                              const Json::Value& params) {
  protocol::rpc::Request request;
  request.id = 7;
  request.method = method;
  request.params = params;
  auto response = adminCall(adminSocket, request, 10'000);
  REQUIRE_MESSAGE(response.ok(), (response.ok() ? "" : response.error().message));
  return response.value();
}

void AuthorityWorld::restartCard() {
  homeCard.runtime->reset();
  breakLinkOnce = true;
}

std::string AuthorityWorld::shopUrl() const {
  return "https://localhost:" + std::to_string(shop.port()) + "/";
}

std::string AuthorityWorld::log() {
  std::lock_guard lock(logMutex_);
  std::string all;
  for (const auto& line : lines_) all += line + "\n";
  return all;
}

Bytes masterSecretOf(const SecretBytes& handout) {
  REQUIRE(handout.size() >= 4 + 48);
  REQUIRE(handout.data()[0] == 1);
  return Bytes(handout.data() + 4, handout.data() + 4 + 48);
}

std::string codeOf(const protocol::rpc::Response& response) {
  return response.error ? response.error->code : std::string();
}

}  // namespace hp::home_server::security
