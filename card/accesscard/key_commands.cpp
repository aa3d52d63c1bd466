// GENERATE ASYMMETRIC KEY PAIR (ISO 7816-8 clause 5.1) and PSO: COMPUTE DIGITAL SIGNATURE
// (ISO 7816-8 clause 5.4) with the terminal's P-256 key. The private scalar never leaves the card.
#include <algorithm>
#include <array>

#include "base/tlv.hpp"
#include "card/accesscard/access_card_applet.hpp"

namespace hp::card::accesscard {

using card::runtime::Response;
namespace sw = protocol::apdu::sw;

namespace {
constexpr uint16_t kGenerate = 0x8001;    // P1 80: generate; P2 01: the terminal key
constexpr uint16_t kReadPublic = 0x8101;  // P1 81: read the existing public key
constexpr uint16_t kComputeSignature = 0x9E9A;
constexpr uint16_t kTagPublicKey = 0x7F49;
constexpr uint16_t kTagPoint = 0x86;
// SHA-1, SHA-224, SHA-256, SHA-384, SHA-512.
constexpr std::array<size_t, 5> kHashSizes = {20, 28, 32, 48, 64};
}  // namespace

Bytes AccessCardApplet::publicKeyObject() const {
  return base::makeTlv(kTagPublicKey, base::makeTlv(kTagPoint, key_->publicPoint()));
}

Response AccessCardApplet::generateOrReadKey(const protocol::apdu::CommandApdu& cmd) {
  const uint16_t p1p2 = cmd.p1p2();
  if (p1p2 != kGenerate && p1p2 != kReadPublic) return Response::status(sw::kIncorrectP1P2);
  if (p1p2 == kReadPublic) {
    if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
    if (!key_) return Response::status(sw::kReferencedDataNotFound);
    return Response::read(publicKeyObject());
  }
  if (!mayAdminister()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  auto generated = base::EcKeyPair::generate(rng_);
  if (!generated) return Response::status(sw::kNoPreciseDiagnosis);
  const SecretBytes scalar = generated.value()->privateScalar();
  if (scalar.empty()) return Response::status(sw::kNoPreciseDiagnosis);
  // The old key stays live (and stored) unless the new one is durably stored.
  if (!update([&](AccessCardState& s) { s.terminalPrivateKey = scalar; })) {
    return Response::status(sw::kMemoryFailure);
  }
  key_ = std::move(generated.value());
  // Not a read: asking again would make another key, so an answer longer than Le goes by 61xx.
  return Response::ok(publicKeyObject());
}

Response AccessCardApplet::computeSignature(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1p2() != kComputeSignature) return Response::status(sw::kIncorrectP1P2);
  if (!unlocked()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  if (std::ranges::find(kHashSizes, cmd.data.size()) == kHashSizes.end()) {
    return Response::status(sw::kWrongData);
  }
  if (!key_) return Response::status(sw::kReferencedDataNotFound);
  auto signature = key_->signHash(cmd.data, rng_);
  if (!signature) return Response::status(sw::kNoPreciseDiagnosis);
  return Response::ok(std::move(signature.value()));
}

}  // namespace hp::card::accesscard
