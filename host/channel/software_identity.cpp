#include "software_identity.hpp"

#include <chrono>

#include "server_hello_statement.hpp"

namespace hp::channel {

uint64_t SystemWallClock::nowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

SoftwareTerminalKeyAgent::SoftwareTerminalKeyAgent(std::string terminalId,
                                                   std::unique_ptr<card::EcKeyPair> longTermKey,
                                                   Bytes homeServerKey, card::Rng& rng,
                                                   uint64_t shareLifetimeMs)
    : terminalId_(std::move(terminalId)),
      homeServerKey_(std::move(homeServerKey)),
      longTermKey_(std::move(longTermKey)),
      rng_(rng),
      shareLifetimeMs_(shareLifetimeMs) {}

Result<SignedShare> SoftwareTerminalKeyAgent::prepareShare(uint64_t nowMs) {
  auto ephemeral = card::EcKeyPair::generate(rng_);
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

Result<SecretBytes> SoftwareTerminalKeyAgent::agree(const SignedServerShare& server) {
  // Single use whatever the outcome, as on the card: EcKeyPair's destructor frees (and mbedTLS
  // zeroizes) d.
  const std::unique_ptr<card::EcKeyPair> ephemeral = std::move(pendingEphemeral_);
  if (!ephemeral) return makeError("no prepared key share (prepare one first)");
  const auto signedHash = card::serverHelloSignedHash(server.ephemeralPoint, server.transcriptHash);
  if (!card::verifyEcdsaP256(homeServerKey_, signedHash, server.signature)) {
    return makeError(std::string(kBadServerSignature));
  }
  return ephemeral->agree(server.ephemeralPoint, rng_);
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
