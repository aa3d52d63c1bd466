// The world of the authority attacks: the real home card applet in this process behind the
// daemon's own reconnecting link (so a card restart looks as it does through pcscd: the next
// command fails, the one after opens a new link), the card-backed HomeCard and terminal
// registry, the whole HomeServer with its admin socket, and `openssl s_server` as a shop that
// requires the card's client certificate.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/home_server/card/card_home_card.hpp"
#include "host/home_server/card/reconnecting_transport.hpp"
#include "host/home_server/daemon/home_server.hpp"
#include "tests/card_adapters/fixture.hpp"
#include "tests/home_server/test_terminal.hpp"
#include "tests/tls_proxy/shop_server.hpp"

namespace hp::home_server::security {

class AuthorityWorld {
 public:
  using Tweak = std::function<void(HomeServerConfig&, HomeServerParts&)>;
  // PIN1 is given (admin socket) and the card's EC key has a test-CA certificate.
  explicit AuthorityWorld(const Tweak& tweak = {});
  ~AuthorityWorld();

  // A terminal registered in the card's registry through the admin socket.
  void registerTerminal(const test::TestTerminal& terminal);
  std::unique_ptr<channel::ChannelConnection> connect(test::TestTerminal& terminal);
  protocol::rpc::Response admin(const std::string& method,
                                const Json::Value& params = Json::Value(Json::objectValue));
  // The card process "restarts": it loses its volatile state, and the daemon's link to it fails
  // on the next command (as SCardTransmit does on a removed card).
  void restartCard();
  std::string shopUrl() const;
  uint64_t cardCommands() const { return client->commands().commandsSent(); }
  std::string log();

  card_adapters::test::HomeCard homeCard;  // applet, runtime, clock (its own client for set-up)
  bool breakLinkOnce = false;
  std::unique_ptr<ReconnectingTransport> link;
  std::unique_ptr<card_adapters::HomeCardClient> client;  // the daemon's client, over `link`
  std::unique_ptr<CardHomeCard> card;
  std::unique_ptr<CardTerminalDirectory> directory;
  tls_proxy::test::ShopServer shop{tls_proxy::test::ResumptionKind::kSessionId};
  std::unique_ptr<base::Rng> serverRng;
  std::unique_ptr<channel::SoftwareServerSigner> serverSigner;
  channel::SystemWallClock wallClock;
  hp::test::TempDir tempDir;  // the admin socket's; removed with the world
  std::string adminSocket;
  std::unique_ptr<HomeServer> server;

 private:
  std::mutex logMutex_;
  std::vector<std::string> lines_;
};

// session.open's hand-out (tls_proxy/session_handout.hpp, version 1):
// u8 version | u16 suite | u8 flags | 48 master secret | ...
Bytes masterSecretOf(const SecretBytes& handout);

// The error code of a response ("" when it succeeded).
std::string codeOf(const protocol::rpc::Response& response);

}  // namespace hp::home_server::security
