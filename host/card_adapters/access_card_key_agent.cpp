#include "host/card_adapters/access_card_key_agent.hpp"

namespace hp::card_adapters {

Result<channel::SignedShare> AccessCardKeyAgent::prepareShare(uint64_t nowMs) {
  if (!terminalId_) {
    auto id = card_.terminalId();
    if (!id) return toError(id.error());
    terminalId_ = std::move(id.value());
  }
  auto share = card_.prepareShare(nowMs, nowMs + shareLifetimeMs_);
  if (!share) return toError(share.error());
  channel::SignedShare out;
  out.terminalId = *terminalId_;
  out.ephemeralPoint = std::move(share->point);
  out.createdAtMs = nowMs;
  out.expiresAtMs = nowMs + shareLifetimeMs_;
  out.signature = std::move(share->signature);
  return out;
}

Result<channel::SessionKeys> AccessCardKeyAgent::agree(const channel::SignedServerShare& server) {
  auto keys = card_.keyAgreement(server.ephemeralPoint, server.transcriptHash, server.signature,
                                 server.keyScheduleHash, server.ticketId, server.ticketLifetimeMs);
  // 6300: the card refused the server's signature (apdu_specs: KEY AGREEMENT).
  if (!keys && keys.error().sw == 0x6300) {
    return makeError(std::string(channel::kBadServerSignature));
  }
  if (!keys) return toError(keys.error());
  return channel::sessionKeysFromCard(keys->view());
}

Result<std::optional<channel::ResumeOffer>> AccessCardKeyAgent::prepareResume() {
  auto offer = card_.prepareResume();
  if (!offer) return toError(offer.error());
  if (!offer->has_value()) return std::optional<channel::ResumeOffer>();
  return std::optional<channel::ResumeOffer>(
      channel::ResumeOffer{std::move((*offer)->ticketId), std::move((*offer)->point)});
}

Result<channel::SessionKeys> AccessCardKeyAgent::agreeResume(
    const channel::ServerResumeShare& server) {
  auto keys = card_.resumeAgreement(server.ephemeralPoint, server.transcriptHash,
                                    server.newTicketId, server.newTicketLifetimeMs);
  if (!keys) return toError(keys.error());
  return channel::sessionKeysFromCard(keys->view());
}

}  // namespace hp::card_adapters
