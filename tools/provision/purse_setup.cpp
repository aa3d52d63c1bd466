#include "tools/provision/purse_setup.hpp"

namespace hp::provision {

Result<std::array<uint8_t, 8>> setUpPurse(card_adapters::HomeCardClient& card,
                                          const PurseSettings& settings) {
  // Registries first: a purse that cannot be paid from or topped up is of no use, and a failure
  // here leaves the purse uninitialized for another attempt.
  if (auto added = card.registryAdd(card_adapters::HomeRegistry::kShops, bytesOf(settings.shopId),
                                    settings.shopPoint);
      !added) {
    return makeError("registering the shop's signing key: " + added.error().message);
  }
  if (auto added = card.registryAdd(card_adapters::HomeRegistry::kBanks, bytesOf(settings.bankId),
                                    settings.bankPoint);
      !added) {
    return makeError("registering the bank's signing key: " + added.error().message);
  }
  auto purseId = card.purseInit(settings.currency, settings.maxBalance);
  if (!purseId) return makeError("initializing the purse: " + purseId.error().message);
  return purseId.value();
}

}  // namespace hp::provision
