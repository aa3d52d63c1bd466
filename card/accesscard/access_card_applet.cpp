#include "card/accesscard/access_card_applet.hpp"

#include "card/runtime/atr.hpp"

namespace hp::card::accesscard {

namespace {
constexpr uint8_t kInsVerify = 0x20;
constexpr uint8_t kInsVerifyBiometric = 0x21;
constexpr uint8_t kInsChangeReferenceData = 0x24;
constexpr uint8_t kInsPerformSecurityOperation = 0x2A;
constexpr uint8_t kInsResetRetryCounter = 0x2C;
constexpr uint8_t kInsActivate = 0x44;
constexpr uint8_t kInsGenerateKeyPair = 0x47;
constexpr uint8_t kInsGetData = 0xCA;
constexpr uint8_t kInsPutData = 0xDA;
}  // namespace

Bytes accessCardAtr() {
  return card::runtime::makeAtr("ACCESSCARD");
}

AccessCardApplet::AccessCardApplet(card::runtime::Storage& storage, base::Clock& clock,
                                   base::Rng& rng, uint32_t pinIterations)
    : clock_(clock),
      rng_(rng),
      pinIterations_(pinIterations),
      state_(storage),
      lastActivityMs_(clock.nowMs()) {}

Result<std::unique_ptr<AccessCardApplet>> AccessCardApplet::open(card::runtime::Storage& storage,
                                                                 base::Clock& clock, base::Rng& rng,
                                                                 uint32_t pinIterations) {
  std::unique_ptr<AccessCardApplet> applet(
      new AccessCardApplet(storage, clock, rng, pinIterations));
  auto opened = applet->state_.open(AccessCardState{});
  if (!opened) return opened.error();
  if (applet->state().hasKey()) {
    auto key = base::EcKeyPair::fromPrivate(applet->state().terminalPrivateKey.view(), rng);
    if (!key) return makeError("access card state holds an unusable terminal key");
    applet->key_ = std::move(key.value());
  }
  return applet;
}

Bytes AccessCardApplet::fciProprietary() const {
  return {0x80, 0x01, static_cast<uint8_t>(state().lifecycle),
          0x81, 0x01, static_cast<uint8_t>(security_)};
}

protocol::apdu::StatusWord AccessCardApplet::onSelect() {
  // SELECT counts as activity; the security state itself was already dropped on deselect/reset.
  lastActivityMs_ = clock_.nowMs();
  return protocol::apdu::sw::kOk;
}

card::runtime::Response AccessCardApplet::process(const protocol::apdu::CommandApdu& cmd) {
  // The idle time-out is evaluated when the next command arrives: seen from outside the card
  // that is the same as a timer, since nothing can be served in between.
  const uint64_t now = clock_.nowMs();
  if (unlocked() && now >= lastActivityMs_ && now - lastActivityMs_ >= kIdleLockMs) lock();
  card::runtime::Response response = dispatch(cmd);
  lastActivityMs_ = clock_.nowMs();
  return response;
}

card::runtime::Response AccessCardApplet::dispatch(const protocol::apdu::CommandApdu& cmd) {
  // ISO 7816-4 5.4.1: b8 of CLA set = proprietary class. The channel commands are served only
  // with CLA 8x (and refused with 6E00 in CLA 0x), everything else only with CLA 0x; the
  // runtime has already handled chaining, secure messaging and logical channel bits.
  if ((cmd.cla & 0x80) != 0) return dispatchProprietary(cmd);
  if (cmd.ins == kInsPrepareShare || cmd.ins == kInsKeyAgreement || cmd.ins == kInsPrepareResume ||
      cmd.ins == kInsResumeAgreement) {
    return card::runtime::Response::status(protocol::apdu::sw::kClaNotSupported);
  }
  switch (cmd.ins) {
    case kInsVerify:
      return verify(cmd);
    case kInsVerifyBiometric:
      return verifyBiometric(cmd);
    case kInsChangeReferenceData:
      return changeReferenceData(cmd);
    case kInsResetRetryCounter:
      return resetRetryCounter(cmd);
    case kInsPerformSecurityOperation:
      return computeSignature(cmd);
    case kInsActivate:
      return activate(cmd);
    case kInsGenerateKeyPair:
      return generateOrReadKey(cmd);
    case kInsPutData:
      return putData(cmd);
    case kInsGetData:
      return getData(cmd);
    default:
      return card::runtime::Response::status(protocol::apdu::sw::kInsNotSupported);
  }
}

}  // namespace hp::card::accesscard
