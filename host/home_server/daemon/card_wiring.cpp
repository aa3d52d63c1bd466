// main()'s card: the home card in a PC/SC reader (by name, or the first reader whose card
// answers SELECT of the configured AID), under host/card_adapters' HomeCardClient.
#include "host/home_server/daemon/card_wiring.hpp"

#include "host/card_adapters/home_card_client.hpp"
#include "host/home_server/card/card_home_card.hpp"
#include "host/home_server/card/reconnecting_transport.hpp"
#include "host/pcsc_bridge/card_finder.hpp"
#include "host/pcsc_bridge/pcsc_context.hpp"

namespace hp::home_server {

namespace {

// Everything that must live as long as the daemon, in destruction-safe order.
struct CardConnection {
  std::unique_ptr<ReconnectingTransport> transport;
  std::unique_ptr<card_adapters::HomeCardClient> client;
  std::unique_ptr<CardHomeCard> card;
  std::unique_ptr<CardTerminalDirectory> terminals;
  ~CardConnection() {
    terminals.reset();
    card.reset();
    client.reset();
    transport.reset();
  }
};

}  // namespace

Result<CardParts> openCardParts(const HomeServerConfig& config) {
  // Without the pinned key the server could not tell the home card from any process that
  // answers SELECT on the card link, so it does not start (docs/design.md, "The card link").
  if (config.homeCardKey.empty()) {
    return makeError(
        "config: home_card_key is missing: the home server sends PINs only to the card whose "
        "card authentication key it pinned; hp_provision writes it into home_server.json");
  }
  auto context = pcsc_bridge::PcscContext::establish();
  if (!context) return context.error();
  std::string reader = config.homeCardReader;
  if (reader.empty()) {
    auto aid = fromHex(config.homeCardAidHex);
    if (!aid) return makeError("config: home_card_aid is not hex");
    auto found = pcsc_bridge::findReaderWithAid(*context, *aid);
    if (!found) return makeError("home card not found: " + found.error().message);
    reader = *found;
  }
  auto connection = std::make_shared<CardConnection>();
  // A fresh PC/SC context per link: the old one is dead too when pcscd itself restarted.
  auto connect = [reader]() -> Result<std::unique_ptr<pcsc_bridge::Transport>> {
    auto context = pcsc_bridge::PcscContext::establish();
    if (!context) return context.error();
    auto transport = context->connect(reader);
    if (!transport) return transport.error();
    return std::unique_ptr<pcsc_bridge::Transport>(std::move(transport.value()));
  };
  // SELECT without FCI (P2 0C): the answer is 9000 alone, no GET RESPONSE.
  Bytes select{0x00, 0xA4, 0x04, 0x0C, static_cast<uint8_t>(sizeof card_adapters::kHomeCardAid)};
  select.insert(select.end(), std::begin(card_adapters::kHomeCardAid),
                std::end(card_adapters::kHomeCardAid));
  // GET DATA status: the applet answers it in every state, so a 6985 to it means nothing is
  // selected (a card restarted under the old handle, reconnecting_transport.hpp).
  const Bytes probe{0x00, 0xCA, 0xDF, 0x01, 0x00};
  connection->transport = std::make_unique<ReconnectingTransport>(connect, select, probe);
  // The first link now, so a wrong reader is an error at start-up, not at the first RPC.
  if (auto first = connection->transport->atr(); !first) {
    return makeError("home card in \"" + reader + "\": " + first.error().message);
  }
  connection->client = std::make_unique<card_adapters::HomeCardClient>(*connection->transport);
  if (auto selected = connection->client->select(); !selected) {
    return makeError("home card in \"" + reader + "\": " + selected.error().message);
  }
  connection->card = std::make_unique<CardHomeCard>(*connection->client, config.userKeyType,
                                                    config.homeCardKey, "\"" + reader + "\"");
  connection->terminals = std::make_unique<CardTerminalDirectory>(*connection->client);
  CardParts parts;
  parts.card = connection->card.get();
  parts.terminals = connection->terminals.get();
  parts.link = connection->transport.get();
  parts.description = "home card in \"" + reader + "\"";
  parts.keepAlive = connection;
  return parts;
}

}  // namespace hp::home_server
