// The control channel's card commands (proprietary class 80, docs/proxy-architecture.md):
// PREPARE SHARE (80 50) and KEY AGREEMENT (80 52).
//
// The card builds the share statement itself from its own terminal ID and the point it just
// generated, so an unlocked card can never be made to sign a statement for somebody else's
// key; only the validity window comes from the host (the card has no clock), and it is bounded.
// KEY AGREEMENT checks the home server's signature over the server's point with the key it
// holds (DF 31) before it uses its ephemeral key: the terminal then needs no public-key
// operation of its own, and the card only ever agrees keys with points its home server signed.
#include <mbedtls/ecp.h>

#include "access_card_applet.hpp"
#include "data_objects.hpp"
#include "ec_key.hpp"
#include "server_hello_statement.hpp"
#include "share_statement.hpp"
#include "tlv.hpp"

namespace hp::accesscard {

using card::Response;
namespace sw = card::sw;

namespace {
constexpr uint8_t kTagPoint = 0x86;
constexpr uint8_t kTagSignature = 0x9E;
constexpr uint8_t kTagHash = 0x90;  // ISO/IEC 7816-8 hash code
constexpr size_t kHashSize = 32;
constexpr size_t kMaxDerSignatureSize = 72;  // DER ECDSA P-256
constexpr size_t kWindowSize = 16;           // created-at ms (8) || expires-at ms (8)

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

// Data: 86 41 <server ephemeral point> 90 20 <transcript hash> 9E L <DER signature>, the
// signature over card::serverHelloSignedHash(point, transcript hash) by the home server key.
Response AccessCardApplet::keyAgreement(const card::CommandApdu& cmd) {
  if (cmd.p1p2() != 0x0000) return Response::status(sw::kIncorrectP1P2);
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (!unlocked()) return Response::status(sw::kSecurityStatusNotSatisfied);
  // Single use whatever the outcome: from here on the pending key is gone, so a share can
  // never serve two attempts (nor answer a second, chosen point or a guessed signature).
  const std::unique_ptr<card::EcKeyPair> ephemeral = std::move(pendingShare_);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  auto tlvs = card::parseTlvs(cmd.data);
  if (!tlvs || tlvs->size() != 3 || (*tlvs)[0].tag != kTagPoint || (*tlvs)[1].tag != kTagHash ||
      (*tlvs)[2].tag != kTagSignature) {
    return Response::status(sw::kWrongData);
  }
  const Bytes& point = (*tlvs)[0].value;
  const Bytes& transcriptHash = (*tlvs)[1].value;
  const Bytes& signature = (*tlvs)[2].value;
  // SEC 1 3.2.2.1: the peer's point must lie on P-256 (no invalid-curve ECDH).
  if (!objects::isValidP256Point(point)) return Response::status(sw::kWrongData);
  if (transcriptHash.size() != kHashSize) return Response::status(sw::kWrongData);
  if (signature.empty() || signature.size() > kMaxDerSignatureSize) {
    return Response::status(sw::kWrongData);
  }
  if (!ephemeral) return Response::status(sw::kConditionsNotSatisfied);
  // Operational implies a home server key (ACTIVATE's precondition); checked all the same.
  if (state().homeServerKey.empty()) return Response::status(sw::kNoPreciseDiagnosis);
  const auto signedHash = card::serverHelloSignedHash(point, transcriptHash);
  if (!card::verifyEcdsaP256(state().homeServerKey, signedHash, signature)) {
    // As GlobalPlatform's and BSI TR-03110's EXTERNAL AUTHENTICATE answer a failed
    // authentication of the other side: 6300, distinct from a malformed field (6A80) and from a
    // locked card (6982), so the terminal can say "this is not your home server".
    return Response::status(sw::kAuthenticationFailed);
  }
  auto secret = ephemeral->agree(point, rng_);
  if (!secret) return Response::status(sw::kNoPreciseDiagnosis);
  const ByteView shared = secret.value().view();
  return Response::ok(Bytes(shared.begin(), shared.end()));
}

}  // namespace hp::accesscard
