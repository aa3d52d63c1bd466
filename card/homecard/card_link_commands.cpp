// The card link's PIN session (protocol/card_link/pin_session.hpp, docs/design.md "The card link"):
// AUTHENTICATE CARD proves to the home server that this is the card it pinned at provisioning
// and sets up one-use keys; SECURE VERIFY presents PIN1 or PIN2 sealed under them, so a process
// on the card link (a fake card, a listener) never sees a PIN.
#include "base/tlv.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/homecard/home_card_ins.hpp"

namespace hp::card::homecard {

using card::runtime::Response;
using protocol::apdu::CommandApdu;
namespace sw = protocol::apdu::sw;
namespace ps = protocol::card_link::pin_session;

namespace {
// ISO 7816-4 table 6: "incorrect secure messaging data objects".
constexpr protocol::apdu::StatusWord kIncorrectSmDataObjects = 0x6988;
}  // namespace

base::EcKeyPair* HomeCardApplet::cardAuthKey() {
  const HomeCardState& s = state();
  if (!s.hasCardAuthKey()) {
    cardAuthKey_.reset();
    cardAuthKeySource_.clear();
    return nullptr;
  }
  if (!cardAuthKey_ || !(cardAuthKeySource_ == s.cardAuthPrivate)) {
    auto key = base::EcKeyPair::fromPrivate(s.cardAuthPrivate.view(), rng_);
    if (!key) return nullptr;
    cardAuthKey_ = std::move(key.value());
    cardAuthKeySource_ = s.cardAuthPrivate;
  }
  return cardAuthKey_.get();
}

Bytes HomeCardApplet::cardAuthKeyTemplate() {
  base::EcKeyPair* key = cardAuthKey();
  if (key == nullptr) return {};
  // ISO 7816-8 / 7816-4 table 88, as for the user's EC key: 7F49 { 86 point }.
  Bytes inner;
  base::appendTlv(inner, 0x86, key->publicPoint());
  Bytes out;
  base::appendTlv(out, 0x7F49, inner);
  return out;
}

Response HomeCardApplet::authenticateCard(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return Response::status(sw::kIncorrectP1P2);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  // A new session replaces any earlier one, used or not.
  pinSession_.reset();
  base::EcKeyPair* key = cardAuthKey();
  // Cards activated before the card authentication key existed have none: no protected path.
  if (key == nullptr) return Response::status(sw::kConditionsNotSatisfied);
  // Data: host ephemeral point (65, uncompressed P-256) || host nonce (16).
  if (cmd.data.size() != ps::kPointSize + ps::kNonceSize) return Response::status(sw::kWrongData);
  const ByteView data = cmd.data;
  const ByteView hostPoint = data.first(ps::kPointSize);
  const ByteView hostNonce = data.subspan(ps::kPointSize);
  // agree() refuses a point that is not on the curve (an invalid-curve attack would otherwise
  // learn bits of the card key from the receipt).
  auto shared = key->agree(hostPoint, rng_);
  if (!shared) return Response::status(sw::kWrongData);
  const Bytes cardNonce = rng_.bytes(ps::kNonceSize);
  if (cardNonce.size() != ps::kNonceSize) return Response::status(sw::kNoPreciseDiagnosis);
  auto keys = ps::deriveKeys(shared->view(), key->publicPoint(), hostPoint, hostNonce, cardNonce);
  if (!keys) return Response::status(sw::kNoPreciseDiagnosis);
  Bytes answer = cardNonce;
  const Bytes proof = ps::receipt(*keys, hostPoint, hostNonce, cardNonce);
  if (proof.size() != ps::kReceiptSize) return Response::status(sw::kNoPreciseDiagnosis);
  answer.insert(answer.end(), proof.begin(), proof.end());
  pinSession_ = std::move(*keys);
  return Response::read(answer);
}

Response HomeCardApplet::secureVerify(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || (cmd.p2 != kRefPin1 && cmd.p2 != kRefPin2)) {
    return Response::status(sw::kIncorrectP1P2);
  }
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  // One PIN per AUTHENTICATE CARD: the keys are gone whatever the outcome, so a recorded
  // SECURE VERIFY never verifies again (the next session's keys differ by the card's nonce).
  std::optional<ps::Keys> keys = std::move(pinSession_);
  pinSession_.reset();
  if (!keys) return Response::status(sw::kConditionsNotSatisfied);
  // A block not sealed under this session's keys for this reference is not a PIN guess: it
  // costs no try.
  auto pin = ps::openPin(*keys, cmd.p2, cmd.data);
  if (!pin) return Response::status(kIncorrectSmDataObjects);
  return verifyReference(cmd.p2 == kRefPin1, pin->view());
}

}  // namespace hp::card::homecard
