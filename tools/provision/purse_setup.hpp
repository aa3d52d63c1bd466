// The e-money part of a provisioned world (docs/emoney.md): the shop's and the bank's signing
// keys registered on the home card (registry 02 under the shop's host name, registry 03 under
// the bank's ID) and the purse initialized, so the shop and bank servers can run against it
// with shop-sign.key and bank-sign.key.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "host/card_adapters/home_card_client.hpp"

namespace hp::provision {

struct PurseSettings {
  std::string shopId;  // the shop's host name, as in its TLS certificate
  Bytes shopPoint;     // uncompressed P-256 point of shop-sign.key
  std::string bankId;  // the bank's name in its configuration
  Bytes bankPoint;     // uncompressed P-256 point of bank-sign.key
  std::string currency = "EUR";
  uint64_t maxBalance = 100'000;  // minor units: 1000.00 EUR
};

// The card must be operational, in the crypto state (PIN1 and PIN2 verified), with its purse
// not yet initialized. Returns the purse ID the card chose.
Result<std::array<uint8_t, 8>> setUpPurse(card_adapters::HomeCardClient& card,
                                          const PurseSettings& settings);

}  // namespace hp::provision
