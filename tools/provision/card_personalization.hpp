// Personalization of fresh cards, in the order the cards' lifecycles require
// (apdu_specs/homecard.json, accesscard.json). A card that is already operational is refused:
// hp_provision never overwrites a card in use.
#pragma once

#include <cstdint>
#include <string>

#include "host/card_adapters/access_card_client.hpp"
#include "host/card_adapters/home_card_client.hpp"
#include "tools/provision/pki.hpp"

namespace hp::provision {

struct HomeCardSecrets {
  std::string pin1;
  std::string pin2;
  std::string puk;
};

struct HomeCardKeys {
  Bytes userPoint;    // the user's EC key, generated on the card
  Bytes cardAuthKey;  // the card authentication key ACTIVATE made: the home server pins it
};

// Sets PIN1, PIN2 and the PUK, ACTIVATEs, reads the card authentication key, verifies both PINs
// in the protected form against it, and generates the user's EC key on the card. The card is
// left in the crypto state.
Result<HomeCardKeys> personalizeHomeCard(card_adapters::HomeCardClient& card,
                                         const HomeCardSecrets& secrets);

struct AccessCardSettings {
  std::string pin;
  std::string puk;
  std::string terminalId;
  Bytes homeServerKey;            // uncompressed P-256 point
  std::string homeServerAddress;  // "host:port"
  card_adapters::TerminalProfile profile;
  Bytes biometricTemplate;         // 32 bytes, or empty: no biometric enrolled
  uint8_t biometricThreshold = 0;  // largest Hamming distance (bits) that still matches
};

// PIN, PUK, terminal key generated on the card, ID, home server key and address, profile,
// ACTIVATE. Returns the terminal's public key (for the home card's registry).
Result<Bytes> personalizeAccessCard(card_adapters::AccessCardClient& card,
                                    const AccessCardSettings& settings);

// The profile's PUT DATA DF 33 encoding: 80 01 kind, 81 02 columns, 82 02 rows, 83 01 layout.
Bytes encodeProfile(const card_adapters::TerminalProfile& profile);

}  // namespace hp::provision
