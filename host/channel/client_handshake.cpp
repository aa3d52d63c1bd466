#include "host/channel/client_handshake.hpp"

#include <algorithm>

#include "host/channel/messages.hpp"

namespace hp::channel {

const char* ClientHandshake::stateName(State state) {
  switch (state) {
    case State::kIdle:
      return "Idle";
    case State::kWaitServerHello:
      return "WaitServerHello";
    case State::kWaitResumeAccept:
      return "WaitResumeAccept";
    case State::kWaitServerFinished:
      return "WaitServerFinished";
    case State::kResumeRefused:
      return "ResumeRefused";
    case State::kEstablished:
      return "Established";
    case State::kFailed:
      return "Failed";
  }
  return "?";
}

ClientHandshake::ClientHandshake(ClientConfig config, TerminalKeyAgent& agent)
    : config_(std::move(config)), agent_(agent) {}

void ClientHandshake::setState(State next) {
  logLine(config_.log,
          std::string("client handshake: ") + stateName(state_) + " -> " + stateName(next));
  state_ = next;
}

Error ClientHandshake::fail(const std::string& why) {
  logLine(config_.log, "client handshake refused: " + why);
  keys_ = SessionKeys{};
  setState(State::kFailed);
  return makeError(why);
}

Result<Bytes> ClientHandshake::startFull(const SignedShare& share) {
  if (state_ != State::kIdle && state_ != State::kResumeRefused) {
    return makeError(std::string("startFull not allowed in state ") + stateName(state_));
  }
  if (!isValidTerminalId(share.terminalId)) return makeError("share has an invalid terminal ID");
  // A share the server would refuse anyway: say so here, where the fix (prepare another) is.
  if (config_.clock->nowMs() >= share.expiresAtMs) {
    return makeError("prepared key share has expired; prepare a fresh one");
  }
  ClientHello hello{share, config_.rng->bytes(kNonceSize)};
  if (hello.clientNonce.size() != kNonceSize) return fail("random generator failed");
  const Bytes message = encode(hello);
  transcript_ = Transcript{};
  transcript_.add(message);
  resumed_ = false;
  refusal_.reset();
  setState(State::kWaitServerHello);
  // Next: ServerHello (or Alert).
  return message;
}

Result<Bytes> ClientHandshake::startResume() {
  if (state_ != State::kIdle) {
    return makeError(std::string("startResume not allowed in state ") + stateName(state_));
  }
  // The ticket never leaves the card: it offers the ticket's ID and a fresh ephemeral point
  // (psk_dhe_ke, RFC 8446 2.2). No live ticket (none yet, expired, or wiped by a lock): the
  // caller does a full handshake instead.
  auto offer = agent_.prepareResume();
  if (!offer) return makeError("cannot offer a resumption: " + offer.error().message);
  if (!offer->has_value()) return makeError("no resumption ticket; do a full handshake");
  if ((*offer)->ticketId.size() != kTicketIdSize || (*offer)->ephemeralPoint.size() != kPointSize) {
    return makeError("malformed resumption offer");
  }
  ResumeHello hello{(*offer)->ticketId, (*offer)->ephemeralPoint, config_.rng->bytes(kNonceSize)};
  if (hello.clientNonce.size() != kNonceSize) return fail("random generator failed");
  const Bytes message = encode(hello);
  transcript_ = Transcript{};
  transcript_.add(message);
  resumed_ = true;
  setState(State::kWaitResumeAccept);
  // Next: ResumeAccept (or Alert refusing the ticket).
  return message;
}

Result<std::vector<Bytes>> ClientHandshake::onMessage(ByteView message) {
  if (state_ != State::kWaitServerHello && state_ != State::kWaitResumeAccept &&
      state_ != State::kWaitServerFinished) {
    return makeError(std::string("no handshake message expected in state ") + stateName(state_));
  }
  auto type = peekMessageType(message);
  if (!type) return fail(type.error().message);
  if (*type == MessageType::kAlert) return onAlert(message);
  switch (state_) {
    case State::kWaitServerHello:
      if (*type == MessageType::kServerHello) return onServerHello(message);
      break;
    case State::kWaitResumeAccept:
      if (*type == MessageType::kResumeAccept) return onResumeAccept(message);
      break;
    case State::kWaitServerFinished:
      if (*type == MessageType::kFinished) return onServerFinished(message);
      break;
    default:
      break;
  }
  return fail(std::string("unexpected handshake message in state ") + stateName(state_));
}

Error ClientHandshake::onAlert(ByteView message) {
  auto alert = parseAlert(message);
  if (!alert) return fail(alert.error().message);
  refusal_ = alert->code;
  const std::string why = "server refused: " + alert->text;
  // Only a refused ticket leaves the door open, for a full handshake on the same connection.
  // The alert is unauthenticated, so at worst an attacker forces that (stronger) handshake.
  const bool ticketRefused =
      alert->code == AlertCode::kUnknownTicket || alert->code == AlertCode::kTicketExpired;
  if (state_ == State::kWaitResumeAccept && ticketRefused) {
    logLine(config_.log, "client handshake: " + why);
    setState(State::kResumeRefused);
    // Next: startFull() with a freshly prepared share.
    return makeError(why);
  }
  return fail(why);
}

Result<std::vector<Bytes>> ClientHandshake::onServerHello(ByteView message) {
  auto hello = parseServerHello(message);
  if (!hello) return fail(hello.error().message);
  // The server signs both points and the transcript up to its unsigned hello: this
  // authenticates the server's ephemeral share and binds it to our ClientHello (our nonce and
  // our share). The card checks that signature with the home server key it holds, putting in
  // its own pending point, before it agrees (the terminal does no public-key operation); a wrong
  // signature comes back as kBadServerSignature. The card then runs the key schedule over
  // H(ClientHello || ServerHello) and keeps the resumption secret as its ticket.
  Transcript signedPart = transcript_;
  signedPart.add(encodeUnsigned(*hello));
  transcript_.add(message);
  SignedServerShare serverShare;
  serverShare.ephemeralPoint = hello->ephemeralPoint;
  serverShare.transcriptHash = signedPart.hash();
  serverShare.signature = hello->signature;
  serverShare.keyScheduleHash = transcript_.hash();
  serverShare.ticketId = hello->ticketId;
  serverShare.ticketLifetimeMs = std::min(hello->ticketLifetimeMs, config_.maxTicketLifetimeMs);
  auto keys = agent_.agree(serverShare);
  if (!keys) {
    const std::string& why = keys.error().message;
    return fail(why == kBadServerSignature ? why : "key agreement failed: " + why);
  }
  keys_ = std::move(keys.value());
  keys_.resumptionSecret.clear();  // an agent never hands it out; nothing to keep here anyway
  setState(State::kWaitServerFinished);
  // Next: the server's Finished.
  return std::vector<Bytes>{};
}

Result<std::vector<Bytes>> ClientHandshake::onResumeAccept(ByteView message) {
  auto accept = parseResumeAccept(message);
  if (!accept) return fail(accept.error().message);
  transcript_.add(message);
  // Fresh keys from the card's ticket secret and ECDH with the server's fresh point (forward
  // secrecy), bound to both nonces and both points; the card's ticket is replaced by the new one.
  ServerResumeShare serverShare;
  serverShare.ephemeralPoint = accept->ephemeralPoint;
  serverShare.transcriptHash = transcript_.hash();
  serverShare.newTicketId = accept->ticketId;
  serverShare.newTicketLifetimeMs = std::min(accept->ticketLifetimeMs, config_.maxTicketLifetimeMs);
  auto keys = agent_.agreeResume(serverShare);
  if (!keys) return fail("resumption key agreement failed: " + keys.error().message);
  keys_ = std::move(keys.value());
  keys_.resumptionSecret.clear();
  setState(State::kWaitServerFinished);
  // Next: the server's Finished.
  return std::vector<Bytes>{};
}

Result<std::vector<Bytes>> ClientHandshake::onServerFinished(ByteView message) {
  auto finished = parseFinished(message);
  if (!finished) return fail(finished.error().message);
  const SecretBytes expected = hmacSha256(keys_.serverFinishedKey.view(), transcript_.hash());
  if (!constantTimeEqual(expected.view(), finished->mac)) {
    return fail("server Finished MAC is wrong (key confirmation failed)");
  }
  transcript_.add(message);
  const SecretBytes mac = hmacSha256(keys_.clientFinishedKey.view(), transcript_.hash());
  const Bytes reply = encode(Finished{Bytes(mac.data(), mac.data() + mac.size())});
  transcript_.add(reply);
  setState(State::kEstablished);
  // Next: nothing in the handshake; records flow through takeRecordProtector().
  return std::vector<Bytes>{reply};
}

Result<std::unique_ptr<RecordProtector>> ClientHandshake::takeRecordProtector() {
  if (state_ != State::kEstablished) {
    return makeError(std::string("no channel keys in state ") + stateName(state_));
  }
  if (keys_.clientToServer.key.empty()) return makeError("record protector already taken");
  auto protector = std::make_unique<RecordProtector>(keys_, Role::kClient);
  keys_ = SessionKeys{};
  return protector;
}

}  // namespace hp::channel
