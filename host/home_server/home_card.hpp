// What the home server needs from the home card, as an interface: the card-backed version
// (host/card_adapters' HomeCardClient over PC/SC) and a software one for tests share it.
// Security states follow seed Fig 6: inhibited -> PIN1 -> standby -> PIN2 -> crypto.
#pragma once

#include <memory>
#include <string>

#include "result.hpp"
#include "signer.hpp"

namespace hp::home {

struct HomeCardStatus {
  std::string lifecycle;  // "personalization" | "operational" | ...
  std::string security;   // "inhibited" | "standby" | "crypto"
  int pin1TriesLeft = 0;
  int pin2TriesLeft = 0;
};

struct PinOutcome {
  enum class Kind { kAccepted, kWrong, kBlocked };
  Kind kind = Kind::kWrong;
  int triesLeft = 0;
};

class HomeCard {
 public:
  virtual ~HomeCard() = default;
  virtual Result<HomeCardStatus> status() = 0;
  // The PIN text is the caller's to wipe; implementations do not keep it.
  virtual Result<PinOutcome> verifyPin1(const std::string& pin) = 0;
  virtual Result<PinOutcome> verifyPin2(const std::string& pin) = 0;
  // Crypto-enabled -> standby.
  virtual Result<void> finish() = 0;
  // The user's key for TLS client authentication (signs only in the crypto state).
  virtual tls::ClientKeySigner& signer() = 0;
};

// A software home card for tests and demos: PIN checks with 3-try counters and the security
// state, over a software signer that refuses unless the state is crypto (as the card does).
std::unique_ptr<HomeCard> makeSoftwareHomeCard(std::unique_ptr<tls::ClientKeySigner> signer,
                                               std::string pin1, std::string pin2);

}  // namespace hp::home
