#include "host/channel/server_handshake.hpp"

#include <algorithm>

#include "base/ec_key.hpp"
#include "host/channel/messages.hpp"
#include "protocol/channel/server_hello_statement.hpp"

namespace hp::channel {

const char* ServerHandshake::stateName(State state) {
  switch (state) {
    case State::kWaitHello:
      return "WaitHello";
    case State::kWaitClientFinished:
      return "WaitClientFinished";
    case State::kEstablished:
      return "Established";
    case State::kFailed:
      return "Failed";
  }
  return "?";
}

void ServerHandshake::setState(State next) {
  logLine(config_.log,
          std::string("server handshake: ") + stateName(state_) + " -> " + stateName(next));
  state_ = next;
}

Error ServerHandshake::refuse(AlertCode code, const std::string& why) {
  logLine(config_.log, "server handshake refused: " + why);
  alert_ = encode(Alert{code, why});
  keys_ = SessionKeys{};
  // A refused ticket is the one refusal the terminal recovers from on this connection, once.
  const bool ticketRefusal = code == AlertCode::kUnknownTicket || code == AlertCode::kTicketExpired;
  if (ticketRefusal && state_ == State::kWaitHello && !ticketRefused_) {
    ticketRefused_ = true;
    transcript_ = Transcript{};
    // Next: a ClientHello (full handshake).
  } else {
    setState(State::kFailed);
  }
  return makeError(why);
}

Error ServerHandshake::refuseTerminal(const std::string& why) {
  logLine(config_.log, "server handshake: terminal refused: " + why);
  return refuse(AlertCode::kTerminalRefused, std::string(kTerminalNotAuthenticated));
}

Result<std::vector<Bytes>> ServerHandshake::onMessage(ByteView message) {
  if (state_ != State::kWaitHello && state_ != State::kWaitClientFinished) {
    return makeError(std::string("no handshake message expected in state ") + stateName(state_));
  }
  alert_.reset();
  auto type = peekMessageType(message);
  if (!type) {
    return refuse(hasForeignVersion(message) ? AlertCode::kBadVersion : AlertCode::kMalformed,
                  type.error().message);
  }
  if (state_ == State::kWaitHello && *type == MessageType::kClientHello) {
    return onClientHello(message);
  }
  if (state_ == State::kWaitHello && *type == MessageType::kResumeHello) {
    if (ticketRefused_) return refuse(AlertCode::kMalformed, "second ResumeHello refused");
    return onResumeHello(message);
  }
  if (state_ == State::kWaitClientFinished && *type == MessageType::kFinished) {
    return onClientFinished(message);
  }
  return refuse(AlertCode::kMalformed,
                std::string("unexpected handshake message in state ") + stateName(state_));
}

Result<std::vector<Bytes>> ServerHandshake::onClientHello(ByteView message) {
  auto hello = parseClientHello(message);
  if (!hello) return refuse(AlertCode::kMalformed, hello.error().message);
  const SignedShare& share = hello->share;

  // Issue 8 item 6: an unknown or revoked ID and a bad share signature get the same alert (code
  // and text), so the alerts do not tell registered IDs from unregistered ones; the log keeps
  // the true reason.
  auto terminalKey = config_.registry->terminalKey(share.terminalId);
  if (!terminalKey) return refuseTerminal(terminalKey.error().message);

  // The signature comes first: until it verifies, nothing in the share (times included) is
  // the terminal's word, and nothing unauthenticated may enter the replay cache.
  const Hash statementHash = shareStatementHash(share);
  if (!base::verifyEcdsaP256(*terminalKey, statementHash, share.signature)) {
    return refuseTerminal("key share signature of terminal '" + share.terminalId +
                          "' does not verify");
  }
  const uint64_t now = config_.clock->nowMs();
  if (share.createdAtMs > now + config_.maxClockSkewMs) {
    return refuse(AlertCode::kShareExpired, "key share is dated in the future");
  }
  if (now >= share.expiresAtMs) return refuse(AlertCode::kShareExpired, "key share has expired");
  if (share.expiresAtMs <= share.createdAtMs ||
      share.expiresAtMs - share.createdAtMs > config_.maxShareLifetimeMs) {
    return refuse(AlertCode::kShareExpired, "key share validity window is too long");
  }
  switch (config_.replayCache->remember(statementHash, share.expiresAtMs, now)) {
    case ReplayVerdict::kFresh:
      break;
    case ReplayVerdict::kReplayed:
      return refuse(AlertCode::kShareReplayed, "key share was already used");
    case ReplayVerdict::kFull:
      return refuse(AlertCode::kBusy, "too many live key shares; try again later");
  }

  // Our fresh ephemeral: even a replayed ClientHello yields keys only the share's owner (the
  // access card holding the ephemeral private key) can compute.
  auto ephemeral = base::EcKeyPair::generate(*config_.rng);
  if (!ephemeral) return refuse(AlertCode::kInternal, "server key generation failed");
  auto sharedSecret = (*ephemeral)->agree(share.ephemeralPoint, *config_.rng);
  if (!sharedSecret)
    return refuse(AlertCode::kMalformed, "terminal key share is not a P-256 point");

  ServerHello reply;
  reply.ephemeralPoint = (*ephemeral)->publicPoint();
  reply.serverNonce = config_.rng->bytes(kNonceSize);
  reply.ticketId = config_.rng->bytes(kTicketIdSize);
  reply.ticketLifetimeMs = config_.ticketLifetimeMs;
  if (reply.serverNonce.size() != kNonceSize || reply.ticketId.size() != kTicketIdSize) {
    return refuse(AlertCode::kInternal, "random generator failed");
  }
  transcript_.add(message);
  Transcript signedPart = transcript_;
  signedPart.add(encodeUnsigned(reply));
  // Both points are signed on their own next to the transcript so the terminal's card, which
  // does not parse handshake messages, can check them: it puts in its own pending point, so
  // this signature is good for this share only (docs/control-channel.md, step 2).
  auto signature = config_.signer->sign(protocol::channel::serverHelloSignedHash(
      reply.ephemeralPoint, share.ephemeralPoint, signedPart.hash()));
  if (!signature) return refuse(AlertCode::kInternal, "server signature failed");
  reply.signature = std::move(signature.value());
  const Bytes serverHello = encode(reply);
  transcript_.add(serverHello);

  auto keys = deriveSessionKeys(sharedSecret->view(), transcript_.hash(), HandshakeKind::kFull);
  if (!keys) return refuse(AlertCode::kInternal, keys.error().message);
  keys_ = std::move(keys.value());
  terminalId_ = share.terminalId;
  ticketId_ = reply.ticketId;
  resumed_ = false;
  return finishServerFlight(serverHello);
}

Result<std::vector<Bytes>> ServerHandshake::onResumeHello(ByteView message) {
  auto hello = parseResumeHello(message);
  if (!hello) return refuse(AlertCode::kMalformed, hello.error().message);
  // RFC 8446 8: a ticket is single use. take() removes it whatever happens next, so a copied
  // (or replayed) ticket ID finds nothing once it has been offered.
  ServerTicket ticket;
  switch (config_.tickets->take(hello->ticketId, config_.clock->nowMs(), ticket)) {
    case TicketLookup::kFound:
      break;
    case TicketLookup::kUnknown:
      return refuse(AlertCode::kUnknownTicket, "unknown resumption ticket");
    case TicketLookup::kExpired:
      return refuse(AlertCode::kTicketExpired, "resumption ticket has expired");
  }
  // Resumption skips the signatures, not the registry: a revoked terminal's tickets die too.
  if (auto key = config_.registry->terminalKey(ticket.terminalId); !key) {
    config_.tickets->revokeTerminal(ticket.terminalId);
    return refuseTerminal(key.error().message);
  }
  // psk_dhe_ke (RFC 8446 2.2): a fresh ephemeral of ours and ECDH with the terminal's fresh
  // point, so the resumed keys need the terminal's card (and the ticket secret) and are
  // forward secret: the secret alone, stolen later, does not open a recorded channel.
  auto ephemeral = base::EcKeyPair::generate(*config_.rng);
  if (!ephemeral) return refuse(AlertCode::kInternal, "server key generation failed");
  auto z = (*ephemeral)->agree(hello->ephemeralPoint, *config_.rng);
  if (!z) return refuse(AlertCode::kMalformed, "terminal resumption share is not a P-256 point");
  ResumeAccept reply;
  reply.ephemeralPoint = (*ephemeral)->publicPoint();
  reply.serverNonce = config_.rng->bytes(kNonceSize);
  reply.ticketId = config_.rng->bytes(kTicketIdSize);
  reply.ticketLifetimeMs = config_.ticketLifetimeMs;
  if (reply.serverNonce.size() != kNonceSize || reply.ticketId.size() != kTicketIdSize) {
    return refuse(AlertCode::kInternal, "random generator failed");
  }
  const Bytes accept = encode(reply);
  transcript_.add(message);
  transcript_.add(accept);
  SecretBytes inputSecret(ticket.resumptionSecret.size() + z->size());
  std::copy(ticket.resumptionSecret.data(),
            ticket.resumptionSecret.data() + ticket.resumptionSecret.size(), inputSecret.data());
  std::copy(z->data(), z->data() + z->size(), inputSecret.data() + ticket.resumptionSecret.size());
  auto keys = deriveSessionKeys(inputSecret.view(), transcript_.hash(), HandshakeKind::kResumed);
  if (!keys) return refuse(AlertCode::kInternal, keys.error().message);
  keys_ = std::move(keys.value());
  terminalId_ = ticket.terminalId;
  ticketId_ = reply.ticketId;
  resumed_ = true;
  return finishServerFlight(accept);
}

Result<std::vector<Bytes>> ServerHandshake::finishServerFlight(Bytes firstMessage) {
  const SecretBytes mac = hmacSha256(keys_.serverFinishedKey.view(), transcript_.hash());
  Bytes finished = encode(Finished{Bytes(mac.data(), mac.data() + mac.size())});
  transcript_.add(finished);
  setState(State::kWaitClientFinished);
  // Next: the terminal's Finished.
  return std::vector<Bytes>{std::move(firstMessage), std::move(finished)};
}

Result<std::vector<Bytes>> ServerHandshake::onClientFinished(ByteView message) {
  auto finished = parseFinished(message);
  if (!finished) return refuse(AlertCode::kMalformed, finished.error().message);
  const SecretBytes expected = hmacSha256(keys_.clientFinishedKey.view(), transcript_.hash());
  if (!constantTimeEqual(expected.view(), finished->mac)) {
    return refuse(AlertCode::kBadFinished,
                  "terminal Finished MAC is wrong (key confirmation failed)");
  }
  transcript_.add(message);
  // A completed full handshake kills every other ticket of this terminal: a ticket copied
  // earlier is worthless after the user connects afresh.
  if (!resumed_) config_.tickets->revokeTerminal(terminalId_);
  // The (next) ticket is kept only now: a terminal that never proved its keys gets nothing to
  // resume, and after a resumption this replaces the ticket take() used up.
  if (config_.ticketLifetimeMs > 0) {
    const uint64_t now = config_.clock->nowMs();
    config_.tickets->store(
        ticketId_,
        ServerTicket{terminalId_, keys_.resumptionSecret, now + config_.ticketLifetimeMs}, now);
  }
  keys_.resumptionSecret.clear();
  logLine(config_.log, std::string("server handshake: terminal '") + terminalId_ + "' " +
                           (resumed_ ? "resumed" : "authenticated"));
  setState(State::kEstablished);
  // Next: nothing in the handshake; records flow through takeRecordProtector().
  return std::vector<Bytes>{};
}

Result<std::unique_ptr<RecordProtector>> ServerHandshake::takeRecordProtector() {
  if (state_ != State::kEstablished) {
    return makeError(std::string("no channel keys in state ") + stateName(state_));
  }
  if (keys_.serverToClient.key.empty()) return makeError("record protector already taken");
  auto protector = std::make_unique<RecordProtector>(keys_, Role::kServer);
  keys_ = SessionKeys{};
  return protector;
}

}  // namespace hp::channel
