// VERIFY, RESET SECURITY, CHANGE REFERENCE DATA, RESET RETRY COUNTER and ACTIVATE.
//
// Length convention of the whole card: a data field that is absent where required, or present
// where none is allowed, is 6700 (wrong length); data of the wrong size or content is 6A80.

#include "card/homecard/home_card_applet.hpp"
#include "card/homecard/home_card_ins.hpp"

namespace hp::card::homecard {

using card::runtime::PinRecord;
using card::runtime::Response;
using protocol::apdu::CommandApdu;
namespace sw = protocol::apdu::sw;

namespace {
constexpr size_t kPukSize = 8;

protocol::apdu::StatusWord triesStatus(const PinRecord& pin) {
  if (pin.blocked()) return sw::kAuthenticationMethodBlocked;
  return sw::verifyFailed(pin.triesLeft);
}
}  // namespace

card::runtime::PinCheck HomeCardApplet::checkReference(PinRecord HomeCardState::*select,
                                                       ByteView candidate) {
  // ISO 7816-4 11.5.6 via card::checkPin: the retry counter is spent and persisted before the
  // comparison, so cutting power during a wrong guess never gives a free try.
  // A match against an older, weaker verifier replaces it (card::PinUpgrade).
  const card::runtime::PinUpgrade upgrade{rng_, pinIterations_};
  return card::runtime::checkPin(
      state().*select, candidate,
      [&](const PinRecord& record) {
        return update([&](HomeCardState& s) { s.*select = record; });
      },
      &upgrade);
}

Response HomeCardApplet::verify(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || (cmd.p2 != kRefPin1 && cmd.p2 != kRefPin2)) {
    return Response::status(sw::kIncorrectP1P2);
  }
  const bool isPin1 = cmd.p2 == kRefPin1;
  const PinRecord& pin = isPin1 ? state().pin1 : state().pin2;

  // ISO 7816-4 11.5.6: VERIFY without data asks for the verification status: 9000 when already
  // verified, 63Cx with the tries left otherwise.
  if (cmd.data.empty()) {
    if (pin.blocked()) return Response::status(sw::kAuthenticationMethodBlocked);
    const bool verified = isPin1 ? pin1Verified() : pin2Verified();
    return Response::status(verified ? sw::kOk : triesStatus(pin));
  }

  return verifyReference(isPin1, cmd.data);
}

Response HomeCardApplet::verifyReference(bool isPin1, ByteView pin) {
  // PIN2 is only presented after PIN1 (remote access standby first, then crypto-enabled).
  if (!isPin1 && !pin1Verified()) return Response::status(sw::kSecurityStatusNotSatisfied);
  // A malformed PIN cannot match; refusing it before the check costs the holder no try.
  if (!base::isValidPinFormat(pin)) return Response::status(sw::kWrongData);

  const card::runtime::PinCheck check =
      checkReference(isPin1 ? &HomeCardState::pin1 : &HomeCardState::pin2, pin);
  if (check.matched) {
    if (isPin1) {
      if (security_ == SecurityState::kInhibited) security_ = SecurityState::kStandby;
    } else {
      security_ = SecurityState::kCrypto;
      // The cardholder is back (docs/emoney.md, "PIN-only payments"): PIN-only debits start
      // again from 0. Should this write fail, the counter stays higher, the safe side.
      if (state().purse.pinOnlySpent != 0) {
        static_cast<void>(update([](HomeCardState& s) { s.purse.pinOnlySpent = 0; }));
      }
    }
  } else if (check.sw != sw::kMemoryFailure) {
    // A failed verification withdraws what that reference granted (and PIN2 rests on PIN1).
    // After 6581 nothing changed, the security state included.
    if (isPin1) {
      security_ = SecurityState::kInhibited;
    } else if (security_ == SecurityState::kCrypto) {
      security_ = SecurityState::kStandby;
    }
  }
  return Response::status(check.sw);
}

Response HomeCardApplet::resetSecurity(const CommandApdu& cmd) {
  // ISO 7816-4 11.5.6: P1 = FF resets the verification status of the reference in P2.
  if (cmd.p2 != kRefPin1 && cmd.p2 != kRefPin2) return Response::status(sw::kIncorrectP1P2);
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  if (cmd.p2 == kRefPin1) {
    security_ = SecurityState::kInhibited;
  } else if (security_ == SecurityState::kCrypto) {
    security_ = SecurityState::kStandby;
  }
  return Response::status(sw::kOk);
}

Response HomeCardApplet::changeReferenceData(const CommandApdu& cmd) {
  if (cmd.p2 == kRefPuk) return changePuk(cmd);
  // ISO 7816-4 11.5.7: P1 = 01 carries only the new reference data. The old PIN is not asked
  // for: in personalization there is none, afterwards the verified security state stands in.
  if (cmd.p1 != 0x01 || (cmd.p2 != kRefPin1 && cmd.p2 != kRefPin2)) {
    return Response::status(sw::kIncorrectP1P2);
  }
  const bool isPin1 = cmd.p2 == kRefPin1;
  if (operational() && !(isPin1 ? pin1Verified() : pin2Verified())) {
    return Response::status(sw::kSecurityStatusNotSatisfied);
  }
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  if (!base::isValidPinFormat(cmd.data)) return Response::status(sw::kWrongData);

  PinRecord next = isPin1 ? state().pin1 : state().pin2;
  if (!next.assign(cmd.data, rng_, pinIterations_))
    return Response::status(sw::kNoPreciseDiagnosis);
  const bool stored = update([&](HomeCardState& s) { (isPin1 ? s.pin1 : s.pin2) = next; });
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

Response HomeCardApplet::changePuk(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 && cmd.p1 != 0x01) return Response::status(sw::kIncorrectP1P2);
  // P1 = 01 (new PUK only) is personalization; P1 = 00 (old || new) is the operational form.
  const bool initial = cmd.p1 == 0x01;
  if (initial == operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);

  const size_t expected = initial ? kPukSize : 2 * kPukSize;
  if (cmd.data.size() != expected) return Response::status(sw::kWrongData);
  const ByteView data = cmd.data;
  const ByteView newPuk = data.last(kPukSize);
  if (!base::isValidPukFormat(newPuk)) return Response::status(sw::kWrongData);
  if (!initial) {
    const ByteView oldPuk = data.first(kPukSize);
    if (!base::isValidPukFormat(oldPuk)) return Response::status(sw::kWrongData);
    const card::runtime::PinCheck check = checkReference(&HomeCardState::puk, oldPuk);
    if (!check.matched) return Response::status(check.sw);
  }
  PinRecord next = state().puk;
  if (!next.assign(newPuk, rng_, pinIterations_)) return Response::status(sw::kNoPreciseDiagnosis);
  const bool stored = update([&](HomeCardState& s) { s.puk = next; });
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

Response HomeCardApplet::resetRetryCounter(const CommandApdu& cmd) {
  // ISO 7816-4 11.5.10: P1 = 00 data = resetting code || new reference data; P1 = 01 data =
  // resetting code only (the counter is reset, the value kept).
  if ((cmd.p1 != 0x00 && cmd.p1 != 0x01) || (cmd.p2 != kRefPin1 && cmd.p2 != kRefPin2)) {
    return Response::status(sw::kIncorrectP1P2);
  }
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  const bool withNewPin = cmd.p1 == 0x00;
  const ByteView data = cmd.data;
  if (data.size() < kPukSize) return Response::status(sw::kWrongData);
  const ByteView puk = data.first(kPukSize);
  const ByteView newPin = data.subspan(kPukSize);
  if (!base::isValidPukFormat(puk)) return Response::status(sw::kWrongData);
  if (withNewPin ? !base::isValidPinFormat(newPin) : !newPin.empty()) {
    return Response::status(sw::kWrongData);
  }

  const card::runtime::PinCheck check = checkReference(&HomeCardState::puk, puk);
  if (!check.matched) return Response::status(check.sw);

  const bool isPin1 = cmd.p2 == kRefPin1;
  PinRecord next = isPin1 ? state().pin1 : state().pin2;
  if (withNewPin) {
    if (!next.assign(newPin, rng_, pinIterations_))
      return Response::status(sw::kNoPreciseDiagnosis);
  } else {
    next.triesLeft = next.maxTries;
  }
  const bool stored = update([&](HomeCardState& s) { (isPin1 ? s.pin1 : s.pin2) = next; });
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

Response HomeCardApplet::activate(const CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return Response::status(sw::kIncorrectP1P2);
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  // One-way: an operational card never returns to personalization, and it only becomes
  // operational with all three reference data set.
  if (operational() || !state().personalized()) {
    return Response::status(sw::kConditionsNotSatisfied);
  }
  // The card authentication key is born with the operational card (docs/design.md, "The card
  // link"): hp_provision reads its public point (GET DATA DF 31) and the home server pins it.
  auto cardAuth = base::EcKeyPair::generate(rng_);
  if (!cardAuth) return Response::status(sw::kNoPreciseDiagnosis);
  SecretBytes scalar = cardAuth.value()->privateScalar();
  const bool stored = update([&](HomeCardState& s) {
    s.lifecycle = Lifecycle::kOperational;
    s.cardAuthPrivate = scalar;
  });
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

}  // namespace hp::card::homecard
