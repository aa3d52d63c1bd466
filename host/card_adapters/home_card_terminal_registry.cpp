#include "host/card_adapters/home_card_terminal_registry.hpp"

namespace hp::card_adapters {

namespace {
constexpr uint16_t kReferenceDataNotFound = 0x6A88;
constexpr size_t kMaxCardIdSize = 32;  // the home card's registry IDs are 1..32 bytes
}  // namespace

Result<Bytes> HomeCardTerminalRegistry::terminalKey(std::string_view terminalId) {
  const std::string unknown = "terminal '" + std::string(terminalId) +
                              "' is unknown or revoked (not in the home card's " +
                              "terminal registry)";
  // An ID the card could never hold is simply not registered; asking would only get 6A80.
  if (terminalId.empty() || terminalId.size() > kMaxCardIdSize) return makeError(unknown);
  auto point = card_.registryGet(HomeRegistry::kTerminals, bytesOf(terminalId));
  if (point) return std::move(point.value());
  if (point.error().sw == kReferenceDataNotFound) return makeError(unknown);
  return makeError("terminal registry unavailable: " + point.error().message);
}

}  // namespace hp::card_adapters
