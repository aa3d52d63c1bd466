// VERIFY, VERIFY BIOMETRIC, CHANGE REFERENCE DATA and RESET RETRY COUNTER.
//
// Checks run in one fixed order in every command, so a given mistake always gives the same
// status word: P1-P2 (6A86), lifecycle (6985), security state (6982), data field present or
// absent as required (6700), data content (6A80), reference data present and not blocked
// (6A88, 6983), and only then the comparison with its persisted retry counter.
#include "card/accesscard/access_card_applet.hpp"
#include "card/accesscard/biometric.hpp"

namespace hp::card::accesscard {

using card::runtime::Response;
namespace sw = protocol::apdu::sw;

namespace {
constexpr uint16_t kVerifyPin = 0x0081;
constexpr uint16_t kLock = 0xFF81;
constexpr uint16_t kBiometric = 0x0091;
constexpr uint16_t kNewPin = 0x0181;
constexpr uint16_t kEnrollBiometric = 0x0191;
constexpr uint16_t kNewPukPersonalization = 0x0183;
constexpr uint16_t kChangePuk = 0x0083;
constexpr uint16_t kResetWithNewPin = 0x0081;
constexpr uint16_t kUnblockPin = 0x0181;
constexpr uint16_t kUnblockBiometric = 0x0191;
constexpr size_t kPukSize = 8;
}  // namespace

Response AccessCardApplet::verify(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1p2() == kVerifyPin) return verifyPin(cmd);
  if (cmd.p1p2() == kLock) {
    // ISO 7816-4 11.5.6: P1 = FF with no data sets the verification status of the reference
    // to "not verified"; here that locks the terminal whichever way it was unlocked.
    if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
    lock();
    return Response::status(sw::kOk);
  }
  return Response::status(sw::kIncorrectP1P2);
}

Response AccessCardApplet::verifyPin(const protocol::apdu::CommandApdu& cmd) {
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  const card::runtime::PinRecord& pin = state().pin;
  // ISO 7816-4 11.5.6: an empty data field asks for the verification status: 9000 when the
  // reference is verified, else 63Cx with the tries left (6983 when blocked).
  if (cmd.data.empty()) {
    if (security_ == SecurityState::kUnlockedPin) return Response::status(sw::kOk);
    if (pin.blocked()) return Response::status(sw::kAuthenticationMethodBlocked);
    return Response::status(sw::verifyFailed(pin.triesLeft));
  }
  if (!base::isValidPinFormat(cmd.data)) return Response::status(sw::kWrongData);
  // A match against an older, weaker verifier replaces it (card::PinUpgrade).
  const card::runtime::PinUpgrade upgrade{rng_, pinIterations_};
  const card::runtime::PinCheck check = card::runtime::checkPin(
      pin, cmd.data,
      [this](const card::runtime::PinRecord& r) {
        return update([&](AccessCardState& s) { s.pin = r; });
      },
      &upgrade);
  if (check.matched) {
    security_ = SecurityState::kUnlockedPin;
  } else if (check.sw != sw::kMemoryFailure) {
    // A failed comparison withdraws any earlier unlock; a storage failure changes nothing.
    lock();
  }
  return Response::status(check.sw);
}

Response AccessCardApplet::verifyBiometric(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1p2() != kBiometric) return Response::status(sw::kIncorrectP1P2);
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  const auto sample = bio::parseSample(cmd.data);
  if (!sample) return Response::status(sw::kWrongData);
  const BiometricRecord& record = state().biometric;
  if (!record.enrolled) return Response::status(sw::kReferencedDataNotFound);
  if (record.blocked()) {
    lock();
    return Response::status(sw::kAuthenticationMethodBlocked);
  }
  // Phase 1 (as card::checkPin): spend the try durably before comparing, so cutting power
  // during a wrong sample never gives a free try.
  const uint8_t left = static_cast<uint8_t>(record.triesLeft - 1);
  if (!update([&](AccessCardState& s) { s.biometric.triesLeft = left; })) {
    return Response::status(sw::kMemoryFailure);
  }
  if (!bio::matches(state().biometric.code.view(), sample->view(), state().biometric.threshold)) {
    lock();
    return Response::status(sw::verifyFailed(left));
  }
  // Phase 2: a match gives the try back.
  if (!update([](AccessCardState& s) { s.biometric.triesLeft = s.biometric.maxTries; })) {
    return Response::status(sw::kMemoryFailure);
  }
  security_ = SecurityState::kUnlockedBio;
  return Response::status(sw::kOk);
}

Response AccessCardApplet::changeReferenceData(const protocol::apdu::CommandApdu& cmd) {
  const uint16_t p1p2 = cmd.p1p2();
  if (p1p2 == kNewPukPersonalization || p1p2 == kChangePuk) return changePuk(cmd);
  if (p1p2 != kNewPin && p1p2 != kEnrollBiometric) return Response::status(sw::kIncorrectP1P2);
  // The initial values are set in personalization; later only a PIN unlock may change them
  // (a biometric unlock must not be able to replace the PIN or the template).
  if (!mayAdminister()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);

  if (p1p2 == kNewPin) {
    if (!base::isValidPinFormat(cmd.data)) return Response::status(sw::kWrongData);
    card::runtime::PinRecord next = state().pin;
    if (!next.assign(cmd.data, rng_, pinIterations_))
      return Response::status(sw::kNoPreciseDiagnosis);
    if (!update([&](AccessCardState& s) { s.pin = next; })) {
      return Response::status(sw::kMemoryFailure);
    }
    return Response::status(sw::kOk);
  }

  auto enrollment = bio::parseEnrollment(cmd.data);
  if (!enrollment) return Response::status(sw::kWrongData);
  const bool stored = update([&](AccessCardState& s) {
    s.biometric.enrolled = true;
    s.biometric.code = enrollment->code;
    s.biometric.threshold = enrollment->threshold;
    s.biometric.triesLeft = s.biometric.maxTries;
  });
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

Response AccessCardApplet::changePuk(const protocol::apdu::CommandApdu& cmd) {
  // The initial PUK is set in personalization (P1 = 01, no old value); once operational, the
  // old PUK must be given with the new one (P1 = 00).
  const bool initial = cmd.p1p2() == kNewPukPersonalization;
  if (initial != personalizing()) return Response::status(sw::kConditionsNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  const ByteView data = cmd.data;
  const ByteView newPuk = initial ? data : data.subspan(data.size() >= kPukSize ? kPukSize : 0);
  if (!initial && (data.size() != 2 * kPukSize || !base::isValidPukFormat(data.first(kPukSize)))) {
    return Response::status(sw::kWrongData);
  }
  if (!base::isValidPukFormat(newPuk)) return Response::status(sw::kWrongData);
  if (!initial) {
    const protocol::apdu::StatusWord checked = checkPuk(data.first(kPukSize));
    if (checked != sw::kOk) return Response::status(checked);
  }
  card::runtime::PinRecord next = state().puk;
  if (!next.assign(newPuk, rng_, pinIterations_)) return Response::status(sw::kNoPreciseDiagnosis);
  if (!update([&](AccessCardState& s) { s.puk = next; })) {
    return Response::status(sw::kMemoryFailure);
  }
  return Response::status(sw::kOk);
}

protocol::apdu::StatusWord AccessCardApplet::checkPuk(ByteView puk) {
  const card::runtime::PinUpgrade upgrade{rng_, pinIterations_};
  return card::runtime::checkPin(
             state().puk, puk,
             [this](const card::runtime::PinRecord& r) {
               return update([&](AccessCardState& s) { s.puk = r; });
             },
             &upgrade)
      .sw;
}

Response AccessCardApplet::resetRetryCounter(const protocol::apdu::CommandApdu& cmd) {
  const uint16_t p1p2 = cmd.p1p2();
  if (p1p2 != kResetWithNewPin && p1p2 != kUnblockPin && p1p2 != kUnblockBiometric) {
    return Response::status(sw::kIncorrectP1P2);
  }
  if (!operational()) return Response::status(sw::kConditionsNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  const ByteView data = cmd.data;
  // ISO 7816-4 11.5.10: P1 = 00 carries the resetting code followed by the new reference data,
  // P1 = 01 the resetting code only.
  const bool withNewPin = p1p2 == kResetWithNewPin;
  if (withNewPin ? data.size() < kPukSize : data.size() != kPukSize) {
    return Response::status(sw::kWrongData);
  }
  const ByteView puk = data.first(kPukSize);
  const ByteView newPin = data.subspan(kPukSize);
  if (!base::isValidPukFormat(puk) || (withNewPin && !base::isValidPinFormat(newPin))) {
    return Response::status(sw::kWrongData);
  }
  if (p1p2 == kUnblockBiometric && !state().biometric.enrolled) {
    return Response::status(sw::kReferencedDataNotFound);
  }
  const protocol::apdu::StatusWord checked = checkPuk(puk);
  if (checked != sw::kOk) return Response::status(checked);

  bool stored = false;
  if (withNewPin) {
    card::runtime::PinRecord next = state().pin;
    if (!next.assign(newPin, rng_, pinIterations_))
      return Response::status(sw::kNoPreciseDiagnosis);
    stored = update([&](AccessCardState& s) { s.pin = next; });
  } else if (p1p2 == kUnblockPin) {
    stored = update([](AccessCardState& s) { s.pin.triesLeft = s.pin.maxTries; });
  } else {
    stored = update([](AccessCardState& s) { s.biometric.triesLeft = s.biometric.maxTries; });
  }
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

}  // namespace hp::card::accesscard
