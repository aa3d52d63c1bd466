// The card-backed HomeCard and TerminalDirectory come from host/card_adapters (HomeCardClient,
// HomeCardSigner, HomeCardTerminalRegistry), which is being written in parallel; until it is
// merged the daemon refuses to start rather than run without the home card.
#include "card_wiring.hpp"

namespace hp::home {

Result<CardParts> openCardParts(const HomeServerConfig& config) {
  return makeError("home card: card adapters (host/card_adapters) are not built in yet; reader " +
                   (config.homeCardReader.empty() ? "by AID " + config.homeCardAidHex
                                                  : "\"" + config.homeCardReader + "\""));
}

}  // namespace hp::home
