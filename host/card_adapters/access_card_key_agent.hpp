// channel::TerminalKeyAgent backed by the access card: prepareShare() is PREPARE SHARE (the card
// makes the ephemeral key and signs the statement with the terminal key), agree() is KEY
// AGREEMENT (the card checks the home server's signature with its DF 31 key over its own
// pending point, uses the ephemeral once, runs the key schedule and keeps the ticket),
// prepareResume() is PREPARE RESUME and agreeResume() RESUME AGREEMENT. The card must be
// unlocked; the resumption secret never reaches this process.
#pragma once

#include <optional>
#include <string>

#include "host/card_adapters/access_card_client.hpp"
#include "host/channel/identity.hpp"

namespace hp::card_adapters {

class AccessCardKeyAgent final : public channel::TerminalKeyAgent {
 public:
  // shareLifetimeMs: validity window of each share (the card refuses more than 24 h).
  AccessCardKeyAgent(AccessCardClient& card, uint64_t shareLifetimeMs)
      : card_(card), shareLifetimeMs_(shareLifetimeMs) {}

  Result<channel::SignedShare> prepareShare(uint64_t nowMs) override;
  Result<channel::SessionKeys> agree(const channel::SignedServerShare& server) override;
  Result<std::optional<channel::ResumeOffer>> prepareResume() override;
  Result<channel::SessionKeys> agreeResume(const channel::ServerResumeShare& server) override;

 private:
  AccessCardClient& card_;
  uint64_t shareLifetimeMs_;
  // The card signs with its own terminal ID; read once (unlocked) and kept, as it is public.
  std::optional<std::string> terminalId_;
};

}  // namespace hp::card_adapters
