// main()'s card: the home card in a PC/SC reader (by name, or the first reader whose card
// answers SELECT of the configured AID), under host/card_adapters' HomeCardClient.
#include "card_wiring.hpp"

#include "card_finder.hpp"
#include "card_home_card.hpp"
#include "pcsc_context.hpp"

namespace hp::home {

namespace {

// Everything that must live as long as the daemon, in destruction-safe order.
struct CardConnection {
  std::unique_ptr<pcsc::PcscTransport> transport;
  std::unique_ptr<adapters::HomeCardClient> client;
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
  auto context = pcsc::PcscContext::establish();
  if (!context) return context.error();
  std::string reader = config.homeCardReader;
  if (reader.empty()) {
    auto aid = fromHex(config.homeCardAidHex);
    if (!aid) return makeError("config: home_card_aid is not hex");
    auto found = pcsc::findReaderWithAid(*context, *aid);
    if (!found) return makeError("home card not found: " + found.error().message);
    reader = *found;
  }
  auto connection = std::make_shared<CardConnection>();
  auto transport = context->connect(reader);
  if (!transport) return makeError("home card in \"" + reader + "\": " + transport.error().message);
  connection->transport = std::move(transport.value());
  connection->client = std::make_unique<adapters::HomeCardClient>(*connection->transport);
  if (auto selected = connection->client->select(); !selected) {
    return makeError("home card in \"" + reader + "\": " + selected.error().message);
  }
  connection->card = std::make_unique<CardHomeCard>(*connection->client, config.userKeyType);
  connection->terminals = std::make_unique<CardTerminalDirectory>(*connection->client);
  CardParts parts;
  parts.card = connection->card.get();
  parts.terminals = connection->terminals.get();
  parts.description = "home card in \"" + reader + "\"";
  parts.keepAlive = connection;
  return parts;
}

}  // namespace hp::home
