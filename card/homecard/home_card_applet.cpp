// Dispatch, lifecycle gate and the volatile security state machine of the home card.
// The commands themselves live in pin_commands.cpp, key_commands.cpp, data_commands.cpp and
// registry_commands.cpp and purse_commands.cpp.
#include "card/homecard/home_card_applet.hpp"

#include "card/homecard/home_card_ins.hpp"
#include "card/runtime/atr.hpp"

namespace hp::card::homecard {

using card::runtime::Response;
using protocol::apdu::CommandApdu;
namespace sw = protocol::apdu::sw;

Bytes homeCardAtr() {
  return card::runtime::makeAtr("HOMECARD");
}

HomeCardApplet::HomeCardApplet(card::runtime::Storage& storage, base::Clock& clock, base::Rng& rng,
                               uint32_t pinIterations)
    : state_(storage), clock_(clock), rng_(rng), pinIterations_(pinIterations) {}

Result<std::unique_ptr<HomeCardApplet>> HomeCardApplet::open(card::runtime::Storage& storage,
                                                             base::Clock& clock, base::Rng& rng,
                                                             uint32_t pinIterations) {
  std::unique_ptr<HomeCardApplet> applet(new HomeCardApplet(storage, clock, rng, pinIterations));
  auto opened = applet->state_.open(HomeCardState{});
  if (!opened) return opened.error();
  // Keys are rebuilt now so that a damaged key is refused at start, not at the first signature.
  if (!applet->refreshKeyCache()) return makeError("home card state holds an invalid key");
  if (applet->state().hasCardAuthKey() && applet->cardAuthKey() == nullptr) {
    return makeError("home card state holds an invalid card authentication key");
  }
  applet->lastActivityMs_ = clock.nowMs();
  return applet;
}

Bytes HomeCardApplet::fciProprietary() const {
  return Bytes{0x80, 0x01, static_cast<uint8_t>(state().lifecycle),
               0x81, 0x01, static_cast<uint8_t>(security_)};
}

protocol::apdu::StatusWord HomeCardApplet::onSelect() {
  // The runtime has already called onDeselect (or onReset), so the security state is inhibited.
  lastActivityMs_ = clock_.nowMs();
  return sw::kOk;
}

void HomeCardApplet::dropSecurityState() {
  security_ = SecurityState::kInhibited;
  signingKey_ = kKeyEc;
  pinSession_.reset();
}

void HomeCardApplet::applyIdleTimeout() {
  // Evaluated when the next command arrives: from outside the card this cannot be told apart
  // from a timer, since no command is served in between.
  if (security_ == SecurityState::kCrypto &&
      clock_.nowMs() - lastActivityMs_ >= kCryptoIdleTimeoutMs) {
    security_ = SecurityState::kStandby;
  }
}

namespace {
// apdu_specs/README.md, "Security states": "the crypto state ends after 10 minutes without a
// command that uses or grants it". Reads (GET DATA, PURSE STATUS, READ LOG, the registries,
// VERIFY without data, SELECT) are what a home server's background work sends; they must not
// keep the user's signing key open. These are the commands that need PIN2 or give it.
bool usesCryptoState(const CommandApdu& cmd) {
  switch (cmd.ins) {
    case ins::kVerify:
      return cmd.p1 == 0x00 && cmd.p2 == kRefPin2 && !cmd.data.empty();
    case ins::kPerformSecurityOperation:
    case ins::kPurseInit:
    case ins::kPurseDebit:
    case ins::kPurseCredit:
    case ins::kPurseCancel:
      return true;
    case ins::kGenerateKeyPair:
      return cmd.p1 == 0x80;  // generation; P1 = 81 reads the public key
    case ins::kChangeReferenceData:
      return cmd.p2 == kRefPin2;
    default:
      return false;
  }
}
}  // namespace

Response HomeCardApplet::process(const CommandApdu& cmd) {
  applyIdleTimeout();
  Response r = dispatch(cmd);
  // Measured from the end of the command: a slow one (RSA key generation) must not eat into
  // the idle time. Only a successful use of the crypto state counts (a refused one is no use).
  if (security_ == SecurityState::kCrypto && r.sw == sw::kOk && usesCryptoState(cmd)) {
    lastActivityMs_ = clock_.nowMs();
  }
  return r;
}

namespace {
// Commands that make sense before ACTIVATE: personalization itself, the status read and the
// harmless RESET SECURITY. Everything else needs the operational lifecycle.
bool allowedInPersonalization(const CommandApdu& cmd) {
  switch (cmd.ins) {
    case ins::kChangeReferenceData:
      // P1 = 00 (old || new) is the operational form; the command itself refuses other P1s.
      return cmd.p1 != 0x00;
    case ins::kActivate:
      return true;
    case ins::kGetData:
      return cmd.p1p2() == kTagStatus;
    case ins::kVerify:
      return cmd.p1 == 0xFF;
    default:
      return false;
  }
}

bool isIsoInstruction(uint8_t i) {
  switch (i) {
    case ins::kVerify:
    case ins::kChangeReferenceData:
    case ins::kResetRetryCounter:
    case ins::kActivate:
    case ins::kGenerateKeyPair:
    case ins::kManageSecurityEnvironment:
    case ins::kPerformSecurityOperation:
    case ins::kPutData:
    case ins::kGetData:
      return true;
    default:
      return false;
  }
}

bool isPurseInstruction(uint8_t i) {
  return i == ins::kPurseInit || i == ins::kPurseDebit || i == ins::kPurseCredit ||
         i == ins::kPurseCancel || i == ins::kPurseReadLog;
}

bool isProprietaryInstruction(uint8_t i) {
  return i == ins::kRegistryAdd || i == ins::kRegistryDelete || i == ins::kRegistryList ||
         i == ins::kRegistryGet || i == ins::kAuthenticateCard || i == ins::kSecureVerify ||
         isPurseInstruction(i);
}
}  // namespace

Response HomeCardApplet::dispatch(const CommandApdu& cmd) {
  // ISO 7816-4 5.4.1: b8 of CLA set = proprietary class. Interindustry commands are only
  // served with CLA 0x, the registry commands only with CLA 8x; a known INS in the other class
  // is "class not supported", an INS known in neither is "instruction not supported".
  const bool proprietaryClass = (cmd.cla & 0x80) != 0;
  const bool iso = isIsoInstruction(cmd.ins);
  const bool proprietary = isProprietaryInstruction(cmd.ins);
  if (!iso && !proprietary) return Response::status(sw::kInsNotSupported);
  if (iso == proprietaryClass) return Response::status(sw::kClaNotSupported);

  if (!operational() && !allowedInPersonalization(cmd)) {
    return Response::status(sw::kConditionsNotSatisfied);
  }

  switch (cmd.ins) {
    case ins::kVerify:
      return cmd.p1 == 0xFF ? resetSecurity(cmd) : verify(cmd);
    case ins::kChangeReferenceData:
      return changeReferenceData(cmd);
    case ins::kResetRetryCounter:
      return resetRetryCounter(cmd);
    case ins::kActivate:
      return activate(cmd);
    case ins::kGenerateKeyPair:
      return generateOrReadKey(cmd);
    case ins::kManageSecurityEnvironment:
      return manageSecurityEnvironment(cmd);
    case ins::kPerformSecurityOperation:
      return computeSignature(cmd);
    case ins::kPutData:
      return putData(cmd);
    case ins::kGetData:
      return getData(cmd);
    case ins::kAuthenticateCard:
      return authenticateCard(cmd);
    case ins::kSecureVerify:
      return secureVerify(cmd);
    default:
      return isPurseInstruction(cmd.ins) ? purseCommand(cmd) : registryCommand(cmd);
  }
}

}  // namespace hp::card::homecard
