// channel::TerminalRegistry backed by the home card's terminal registry (registry 01): a
// terminal is active exactly while it is registered on the card; revoking it means removing it
// (HomeCardClient::registryRemove). The card must be in standby or crypto (PIN1 verified).
#pragma once

#include "host/card_adapters/home_card_client.hpp"
#include "host/channel/identity.hpp"

namespace hp::card_adapters {

class HomeCardTerminalRegistry final : public channel::TerminalRegistry {
 public:
  explicit HomeCardTerminalRegistry(HomeCardClient& card) : card_(card) {}

  // The terminal's uncompressed P-256 key; "unknown or revoked" when the card has no entry,
  // a card error (with its SW) when the card could not be asked (e.g. 6982: PIN1 not given).
  Result<Bytes> terminalKey(std::string_view terminalId) override;

 private:
  HomeCardClient& card_;
};

}  // namespace hp::card_adapters
