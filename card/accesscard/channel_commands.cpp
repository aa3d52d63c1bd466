// The control channel's card commands (proprietary class 80, docs/proxy-architecture.md):
// PREPARE SHARE (80 50), KEY AGREEMENT (80 52), PREPARE RESUME (80 54), RESUME AGREEMENT (80 56).
//
// The card builds the share statement itself from its own terminal ID and the point it just
// generated, so an unlocked card can never be made to sign a statement for somebody else's
// key; only the validity window comes from the host (the card has no wall clock), and it is
// bounded. KEY AGREEMENT checks the home server's signature over the server's point, the card's
// OWN pending point and the transcript hash with the key it holds (DF 31) before it uses its
// ephemeral key: the terminal needs no public-key operation of its own, and the card only ever
// agrees keys with points its home server signed for this very share.
//
// The card runs the key schedule (protocol/channel/channel_key_schedule.hpp) and answers only the
// keys of the one connection; the resumption secret stays in the card's RAM (ticket_), single
// use, replaced by every full handshake and every resumption, and wiped by any lock. A copy of
// everything the host ever saw is therefore useless once the card is locked.
#include <mbedtls/ecp.h>

#include "base/ec_key.hpp"
#include "base/tlv.hpp"
#include "card/accesscard/access_card_applet.hpp"
#include "card/accesscard/data_objects.hpp"
#include "protocol/channel/channel_key_schedule.hpp"
#include "protocol/channel/server_hello_statement.hpp"
#include "protocol/channel/share_statement.hpp"

namespace hp::card::accesscard {

using card::runtime::Response;
namespace sw = protocol::apdu::sw;

namespace {
constexpr uint8_t kTagPoint = 0x86;
constexpr uint8_t kTagSignature = 0x9E;
constexpr uint8_t kTagHash = 0x90;  // ISO/IEC 7816-8 hash code: what the server signed over
constexpr uint8_t kTagKeyScheduleHash = 0x91;  // the key schedule's transcript hash
constexpr uint8_t kTagTicketId = 0x92;
constexpr uint8_t kTagTicketLifetime = 0x93;  // milliseconds, 8 bytes big-endian
constexpr size_t kHashSize = 32;
constexpr size_t kMaxDerSignatureSize = 72;  // DER ECDSA P-256
constexpr size_t kWindowSize = 16;           // created-at ms (8) || expires-at ms (8)

uint64_t readU64(ByteView data) {
  uint64_t value = 0;
  for (uint8_t b : data.first(8)) value = (value << 8) | b;
  return value;
}

// The TLVs of a command, exactly these tags in this order; nullopt otherwise.
std::optional<std::vector<base::Tlv>> exactTlvs(ByteView data,
                                                std::initializer_list<uint16_t> tags) {
  auto tlvs = base::parseTlvs(data);
  if (!tlvs || tlvs->size() != tags.size()) return std::nullopt;
  size_t i = 0;
  for (uint16_t tag : tags) {
    if ((*tlvs)[i++].tag != tag) return std::nullopt;
  }
  return std::move(tlvs.value());
}

bool validTicketFields(const Bytes& ticketId, const Bytes& lifetime) {
  return ticketId.size() == kChannelTicketIdSize && lifetime.size() == 8;
}
}  // namespace

Response AccessCardApplet::dispatchProprietary(const protocol::apdu::CommandApdu& cmd) {
  switch (cmd.ins) {
    case kInsPrepareShare:
      return prepareShare(cmd);
    case kInsKeyAgreement:
      return keyAgreement(cmd);
    case kInsPrepareResume:
      return prepareResume(cmd);
    case kInsResumeAgreement:
      return resumeAgreement(cmd);
    default:
      // ISO 7816-4 5.4.1: no other instruction exists in the proprietary class here.
      return Response::status(sw::kClaNotSupported);
  }
}

Response AccessCardApplet::prepareShare(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1p2() != 0x0000) return Response::status(sw::kIncorrectP1P2);
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (!unlocked()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  if (cmd.data.size() != kWindowSize) return Response::status(sw::kWrongData);
  const ByteView data = cmd.data;
  const uint64_t createdAtMs = readU64(data.first(8));
  const uint64_t expiresAtMs = readU64(data.subspan(8));
  // An empty or overlong window would only be refused by the server later; refusing it here
  // keeps the card from signing statements that outlive what any server accepts.
  if (expiresAtMs <= createdAtMs || expiresAtMs - createdAtMs > kMaxShareWindowMs) {
    return Response::status(sw::kWrongData);
  }
  // Operational implies both (ACTIVATE's precondition); checked so a bug cannot sign garbage.
  if (!key_ || state().terminalId.empty()) return Response::status(sw::kNoPreciseDiagnosis);

  // Any earlier pending key is dropped first: only the newest share can be used.
  pendingShare_.reset();
  auto ephemeral = base::EcKeyPair::generate(rng_);
  if (!ephemeral) return Response::status(sw::kNoPreciseDiagnosis);
  const Bytes point = ephemeral.value()->publicPoint();
  const auto hash =
      protocol::channel::shareStatementHash(state().terminalId, point, createdAtMs, expiresAtMs);
  auto signature = key_->signHash(hash, rng_);
  if (!signature) return Response::status(sw::kNoPreciseDiagnosis);
  pendingShare_ = std::move(ephemeral.value());
  Bytes out = base::makeTlv(kTagPoint, point);
  base::appendTlv(out, kTagSignature, signature.value());
  // Not a read: asking again makes a new key, so a short Le is answered through 61xx.
  return Response::ok(std::move(out));
}

// Data: 86 41 <server point> 90 20 <signed transcript hash> 9E L <DER signature>
//       91 20 <key schedule transcript hash> 92 10 <ticket ID> 93 08 <ticket lifetime ms>.
// Answer: the 152-byte traffic keys (card::encodeTrafficKeys).
Response AccessCardApplet::keyAgreement(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1p2() != 0x0000) return Response::status(sw::kIncorrectP1P2);
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (!unlocked()) return Response::status(sw::kSecurityStatusNotSatisfied);
  // Single use whatever the outcome: from here on the pending key is gone, so a share can
  // never serve two attempts (nor answer a second, chosen point or a guessed signature).
  const std::unique_ptr<base::EcKeyPair> ephemeral = std::move(pendingShare_);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  auto tlvs = exactTlvs(cmd.data, {kTagPoint, kTagHash, kTagSignature, kTagKeyScheduleHash,
                                   kTagTicketId, kTagTicketLifetime});
  if (!tlvs) return Response::status(sw::kWrongData);
  const Bytes& point = (*tlvs)[0].value;
  const Bytes& signedHash = (*tlvs)[1].value;
  const Bytes& signature = (*tlvs)[2].value;
  const Bytes& keyScheduleHash = (*tlvs)[3].value;
  const Bytes& ticketId = (*tlvs)[4].value;
  const Bytes& lifetime = (*tlvs)[5].value;
  // SEC 1 3.2.2.1: the peer's point must lie on P-256 (no invalid-curve ECDH).
  if (!objects::isValidP256Point(point)) return Response::status(sw::kWrongData);
  if (signedHash.size() != kHashSize || keyScheduleHash.size() != kHashSize) {
    return Response::status(sw::kWrongData);
  }
  if (signature.empty() || signature.size() > kMaxDerSignatureSize) {
    return Response::status(sw::kWrongData);
  }
  if (!validTicketFields(ticketId, lifetime)) return Response::status(sw::kWrongData);
  if (!ephemeral) return Response::status(sw::kConditionsNotSatisfied);
  // Operational implies a home server key (ACTIVATE's precondition); checked all the same.
  if (state().homeServerKey.empty()) return Response::status(sw::kNoPreciseDiagnosis);
  // docs/control-channel.md step 2: the server signs its point, the terminal's point and the
  // transcript. The card puts in its OWN pending point, so a signature the home server made for
  // any other share (another handshake, another card) does not verify here (issue 8 item 5).
  const auto statement =
      protocol::channel::serverHelloSignedHash(point, ephemeral->publicPoint(), signedHash);
  if (!base::verifyEcdsaP256(state().homeServerKey, statement, signature)) {
    // As GlobalPlatform's and BSI TR-03110's EXTERNAL AUTHENTICATE answer a failed
    // authentication of the other side: 6300, distinct from a malformed field (6A80) and from a
    // locked card (6982), so the terminal can say "this is not your home server".
    return Response::status(sw::kAuthenticationFailed);
  }
  auto secret = ephemeral->agree(point, rng_);
  if (!secret) return Response::status(sw::kNoPreciseDiagnosis);
  auto keys = protocol::channel::deriveChannelKeys(secret.value().view(), keyScheduleHash,
                                                   protocol::channel::ChannelHandshakeKind::kFull);
  if (!keys) return Response::status(sw::kNoPreciseDiagnosis);
  // A new full handshake replaces whatever ticket the card held.
  keepTicket(ticketId, std::move(keys->resumptionSecret), readU64(lifetime));
  const SecretBytes answer = protocol::channel::encodeTrafficKeys(*keys);
  return Response::ok(Bytes(answer.data(), answer.data() + answer.size()));
}

// No data. Answer: 92 10 <ticket ID> 86 41 <fresh ephemeral point>. 6A88 without a live ticket.
Response AccessCardApplet::prepareResume(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1p2() != 0x0000) return Response::status(sw::kIncorrectP1P2);
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (!unlocked()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  // Any earlier pending resume key is dropped first: only the newest offer can be used.
  pendingResume_.reset();
  if (ticket_ && clock_.nowMs() >= ticket_->expiresAtMs) ticket_.reset();  // wiped
  if (!ticket_) return Response::status(sw::kReferencedDataNotFound);
  auto ephemeral = base::EcKeyPair::generate(rng_);
  if (!ephemeral) return Response::status(sw::kNoPreciseDiagnosis);
  Bytes out = base::makeTlv(kTagTicketId, ticket_->id);
  base::appendTlv(out, kTagPoint, ephemeral.value()->publicPoint());
  pendingResume_ = std::move(ephemeral.value());
  return Response::ok(std::move(out));
}

// Data: 86 41 <server point> 91 20 <transcript hash H(ResumeHello || ResumeAccept)>
//       92 10 <new ticket ID> 93 08 <new ticket lifetime ms>.
// Answer: the 152-byte traffic keys. RFC 8446 2.2 psk_dhe_ke: IKM = resumption secret || Z.
Response AccessCardApplet::resumeAgreement(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1p2() != 0x0000) return Response::status(sw::kIncorrectP1P2);
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (!unlocked()) return Response::status(sw::kSecurityStatusNotSatisfied);
  // RFC 8446 8 (single-use tickets): the ticket and the pending key are taken out now and
  // wiped whatever the outcome; only a completed agreement leaves a (new) ticket behind.
  const std::unique_ptr<base::EcKeyPair> ephemeral = std::move(pendingResume_);
  // Swapped out rather than move-constructed: gcc 12 reports the moved-from optional's
  // payload as maybe-uninitialized (GCC PR 80635), and the swap leaves ticket_ empty anyway.
  std::optional<ChannelTicket> ticket;
  ticket.swap(ticket_);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  auto tlvs =
      exactTlvs(cmd.data, {kTagPoint, kTagKeyScheduleHash, kTagTicketId, kTagTicketLifetime});
  if (!tlvs) return Response::status(sw::kWrongData);
  const Bytes& point = (*tlvs)[0].value;
  const Bytes& transcriptHash = (*tlvs)[1].value;
  const Bytes& newTicketId = (*tlvs)[2].value;
  const Bytes& lifetime = (*tlvs)[3].value;
  if (!objects::isValidP256Point(point)) return Response::status(sw::kWrongData);
  if (transcriptHash.size() != kHashSize) return Response::status(sw::kWrongData);
  if (!validTicketFields(newTicketId, lifetime)) return Response::status(sw::kWrongData);
  if (!ephemeral || !ticket || clock_.nowMs() >= ticket->expiresAtMs) {
    return Response::status(sw::kConditionsNotSatisfied);
  }
  auto z = ephemeral->agree(point, rng_);
  if (!z) return Response::status(sw::kNoPreciseDiagnosis);
  SecretBytes inputSecret(ticket->secret.size() + z.value().size());
  std::copy(ticket->secret.data(), ticket->secret.data() + ticket->secret.size(),
            inputSecret.data());
  std::copy(z.value().data(), z.value().data() + z.value().size(),
            inputSecret.data() + ticket->secret.size());
  auto keys = protocol::channel::deriveChannelKeys(
      inputSecret.view(), transcriptHash, protocol::channel::ChannelHandshakeKind::kResumed);
  if (!keys) return Response::status(sw::kNoPreciseDiagnosis);
  keepTicket(newTicketId, std::move(keys->resumptionSecret), readU64(lifetime));
  const SecretBytes answer = protocol::channel::encodeTrafficKeys(*keys);
  return Response::ok(Bytes(answer.data(), answer.data() + answer.size()));
}

void AccessCardApplet::keepTicket(const Bytes& id, SecretBytes secret, uint64_t lifetimeMs) {
  ticket_.reset();
  if (lifetimeMs == 0) return;  // the server issued none
  // The terminal never keeps a ticket longer than 12 h, whatever the server announces.
  const uint64_t kept = lifetimeMs < kMaxTicketLifetimeMs ? lifetimeMs : kMaxTicketLifetimeMs;
  ticket_ = ChannelTicket{id, std::move(secret), clock_.nowMs() + kept};
}

}  // namespace hp::card::accesscard
