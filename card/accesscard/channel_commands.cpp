// The control channel's card commands (proprietary class 80, docs/proxy-architecture.md):
// PREPARE SHARE (80 50) and KEY AGREEMENT (80 52).
//
// The card builds the share statement itself from its own terminal ID and the point it just
// generated, so an unlocked card can never be made to sign a statement for somebody else's
// key; only the validity window comes from the host (the card has no clock), and it is bounded.
#include <mbedtls/ecp.h>

#include "access_card_applet.hpp"
#include "data_objects.hpp"
#include "share_statement.hpp"
#include "tlv.hpp"

namespace hp::accesscard {

using card::Response;
namespace sw = card::sw;

namespace {
constexpr uint8_t kTagPoint = 0x86;
constexpr uint8_t kTagSignature = 0x9E;
constexpr size_t kWindowSize = 16;  // created-at ms (8) || expires-at ms (8)

uint64_t readU64(ByteView data) {
  uint64_t value = 0;
  for (uint8_t b : data.first(8)) value = (value << 8) | b;
  return value;
}
}  // namespace

Response AccessCardApplet::dispatchProprietary(const card::CommandApdu& cmd) {
  switch (cmd.ins) {
    case kInsPrepareShare:
      return prepareShare(cmd);
    case kInsKeyAgreement:
      return keyAgreement(cmd);
    default:
      // ISO 7816-4 5.4.1: no other instruction exists in the proprietary class here.
      return Response::status(sw::kClaNotSupported);
  }
}

Response AccessCardApplet::prepareShare(const card::CommandApdu& cmd) {
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
  auto ephemeral = card::EcKeyPair::generate(rng_);
  if (!ephemeral) return Response::status(sw::kNoPreciseDiagnosis);
  const Bytes point = ephemeral.value()->publicPoint();
  const auto hash = card::shareStatementHash(state().terminalId, point, createdAtMs, expiresAtMs);
  auto signature = key_->signHash(hash, rng_);
  if (!signature) return Response::status(sw::kNoPreciseDiagnosis);
  pendingShare_ = std::move(ephemeral.value());
  Bytes out = card::makeTlv(kTagPoint, point);
  card::appendTlv(out, kTagSignature, signature.value());
  // Not a read: asking again makes a new key, so a short Le is answered through 61xx.
  return Response::ok(std::move(out));
}

Response AccessCardApplet::keyAgreement(const card::CommandApdu& cmd) {
  if (cmd.p1p2() != 0x0000) return Response::status(sw::kIncorrectP1P2);
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (!unlocked()) return Response::status(sw::kSecurityStatusNotSatisfied);
  // Single use whatever the outcome: from here on the pending key is gone, so a share can
  // never serve two attempts (nor answer a second, chosen point).
  const std::unique_ptr<card::EcKeyPair> ephemeral = std::move(pendingShare_);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  // SEC 1 3.2.2.1: the peer's point must lie on P-256 (no invalid-curve ECDH).
  if (!objects::isValidP256Point(cmd.data)) return Response::status(sw::kWrongData);
  if (!ephemeral) return Response::status(sw::kConditionsNotSatisfied);
  auto secret = ephemeral->agree(cmd.data, rng_);
  if (!secret) return Response::status(sw::kNoPreciseDiagnosis);
  const ByteView shared = secret.value().view();
  return Response::ok(Bytes(shared.begin(), shared.end()));
}

}  // namespace hp::accesscard
