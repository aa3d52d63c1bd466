#include "access_card_key_agent.hpp"

namespace hp::adapters {

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

Result<SecretBytes> AccessCardKeyAgent::agree(const channel::SignedServerShare& server) {
  auto secret = card_.keyAgreement(server.ephemeralPoint, server.transcriptHash, server.signature);
  // 6300: the card refused the server's signature (apdu_specs: KEY AGREEMENT).
  if (!secret && secret.error().sw == 0x6300) {
    return makeError(std::string(channel::kBadServerSignature));
  }
  if (!secret) return toError(secret.error());
  return std::move(secret.value());
}

}  // namespace hp::adapters
