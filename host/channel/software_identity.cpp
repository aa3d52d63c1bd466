#include "host/channel/software_identity.hpp"

#include <algorithm>
#include <chrono>

#include "protocol/channel/server_hello_statement.hpp"

namespace hp::channel {

uint64_t SystemWallClock::nowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

SoftwareTerminalKeyAgent::SoftwareTerminalKeyAgent(std::string terminalId,
                                                   std::unique_ptr<base::EcKeyPair> longTermKey,
                                                   Bytes homeServerKey, base::Rng& rng,
                                                   uint64_t shareLifetimeMs, base::Clock* clock)
    : terminalId_(std::move(terminalId)),
      homeServerKey_(std::move(homeServerKey)),
      longTermKey_(std::move(longTermKey)),
      rng_(rng),
      shareLifetimeMs_(shareLifetimeMs),
      clock_(clock) {}

Result<SignedShare> SoftwareTerminalKeyAgent::prepareShare(uint64_t nowMs) {
  auto ephemeral = base::EcKeyPair::generate(rng_);
  if (!ephemeral) return ephemeral.error();
  SignedShare share;
  share.terminalId = terminalId_;
  share.ephemeralPoint = (*ephemeral)->publicPoint();
  share.createdAtMs = nowMs;
  share.expiresAtMs = nowMs + shareLifetimeMs_;
  auto signature = longTermKey_->signHash(shareStatementHash(share), rng_);
  if (!signature) return signature.error();
  share.signature = std::move(signature.value());
  // Like the card, hold one pending ephemeral: preparing again replaces (and frees) the old one.
  pendingEphemeral_ = std::move(ephemeral.value());
  return share;
}

Result<SessionKeys> SoftwareTerminalKeyAgent::agree(const SignedServerShare& server) {
  // Single use whatever the outcome, as on the card: EcKeyPair's destructor frees (and mbedTLS
  // zeroizes) d.
  const std::unique_ptr<base::EcKeyPair> ephemeral = std::move(pendingEphemeral_);
  if (!ephemeral) return makeError("no prepared key share (prepare one first)");
  if (server.ticketId.size() != kTicketIdSize) return makeError("malformed ticket ID");
  const auto signedHash = protocol::channel::serverHelloSignedHash(
      server.ephemeralPoint, ephemeral->publicPoint(), server.transcriptHash);
  if (!base::verifyEcdsaP256(homeServerKey_, signedHash, server.signature)) {
    return makeError(std::string(kBadServerSignature));
  }
  auto z = ephemeral->agree(server.ephemeralPoint, rng_);
  if (!z) return z.error();
  auto keys = deriveSessionKeys(z->view(), server.keyScheduleHash, HandshakeKind::kFull);
  if (!keys) return keys.error();
  keepTicket(server.ticketId, std::move(keys->resumptionSecret), server.ticketLifetimeMs);
  return keys;
}

Result<std::optional<ResumeOffer>> SoftwareTerminalKeyAgent::prepareResume() {
  pendingResume_.reset();
  if (ticket_ && clock_ != nullptr && now() >= ticket_->expiresAtMs) ticket_.reset();
  if (!ticket_) return std::optional<ResumeOffer>{};
  auto ephemeral = base::EcKeyPair::generate(rng_);
  if (!ephemeral) return ephemeral.error();
  ResumeOffer offer{ticket_->id, (*ephemeral)->publicPoint()};
  pendingResume_ = std::move(ephemeral.value());
  return std::optional<ResumeOffer>{std::move(offer)};
}

Result<SessionKeys> SoftwareTerminalKeyAgent::agreeResume(const ServerResumeShare& server) {
  // Single use (RFC 8446 8), as RESUME AGREEMENT: ticket and key are gone from here on.
  const std::unique_ptr<base::EcKeyPair> ephemeral = std::move(pendingResume_);
  std::optional<Ticket> ticket = std::move(ticket_);
  ticket_.reset();
  if (!ephemeral || !ticket) return makeError("no resumption offer pending");
  if (server.newTicketId.size() != kTicketIdSize) return makeError("malformed ticket ID");
  if (clock_ != nullptr && now() >= ticket->expiresAtMs) return makeError("ticket expired");
  auto z = ephemeral->agree(server.ephemeralPoint, rng_);
  if (!z) return z.error();
  SecretBytes input(ticket->secret.size() + z->size());
  std::copy(ticket->secret.data(), ticket->secret.data() + ticket->secret.size(), input.data());
  std::copy(z->data(), z->data() + z->size(), input.data() + ticket->secret.size());
  auto keys = deriveSessionKeys(input.view(), server.transcriptHash, HandshakeKind::kResumed);
  if (!keys) return keys.error();
  keepTicket(server.newTicketId, std::move(keys->resumptionSecret), server.newTicketLifetimeMs);
  return keys;
}

void SoftwareTerminalKeyAgent::keepTicket(ByteView id, SecretBytes secret, uint64_t lifetimeMs) {
  ticket_.reset();
  if (lifetimeMs == 0) return;
  constexpr uint64_t kMaxTicketLifetimeMs = 12ull * 3600 * 1000;  // as the card
  ticket_ = Ticket{Bytes(id.begin(), id.end()), std::move(secret),
                   now() + std::min(lifetimeMs, kMaxTicketLifetimeMs)};
}

void SoftwareTerminalKeyAgent::lock() {
  pendingEphemeral_.reset();
  pendingResume_.reset();
  ticket_.reset();
}

void SoftwareTerminalRegistry::add(const std::string& terminalId, Bytes publicKey) {
  terminals_[terminalId] = Entry{std::move(publicKey), false};
}

void SoftwareTerminalRegistry::revoke(const std::string& terminalId) {
  auto it = terminals_.find(terminalId);
  if (it != terminals_.end()) it->second.revoked = true;
}

Result<Bytes> SoftwareTerminalRegistry::terminalKey(std::string_view terminalId) {
  auto it = terminals_.find(terminalId);
  if (it == terminals_.end()) {
    return makeError("terminal '" + std::string(terminalId) + "' is not registered");
  }
  if (it->second.revoked) {
    return makeError("terminal '" + std::string(terminalId) + "' is revoked");
  }
  return it->second.publicKey;
}

}  // namespace hp::channel
