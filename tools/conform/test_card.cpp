#include "tools/conform/test_card.hpp"

#include "card/runtime/atr.hpp"

namespace hp::conform {

namespace sw = protocol::apdu::sw;
using card::runtime::Response;

namespace {
constexpr uint8_t kPin[] = {'1', '2', '3', '4'};
constexpr uint8_t kMaxTries = 3;
}  // namespace

Bytes testCardAtr() {
  return card::runtime::makeAtr("TESTCARD");
}

Result<std::unique_ptr<TestCardApplet>> TestCardApplet::open(card::runtime::Storage& storage,
                                                             base::Clock& /*clock*/,
                                                             base::Rng& rng) {
  std::unique_ptr<TestCardApplet> applet(new TestCardApplet(storage, rng));
  auto loaded = storage.load();
  if (!loaded) return loaded.error();
  if (loaded.value() && loaded.value()->size() == 1) applet->triesLeft_ = (*loaded.value())[0];
  auto key = base::EcKeyPair::generate(rng);
  if (!key) return key.error();
  applet->ecKey_ = std::move(key.value());
  return applet;
}

bool TestCardApplet::persistTries(uint8_t tries) {
  const uint8_t image[] = {tries};
  if (!storage_.store(image)) return false;
  triesLeft_ = tries;
  return true;
}

Response TestCardApplet::process(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.cla != 0x00) return Response::status(sw::kClaNotSupported);
  switch (cmd.ins) {
    case 0x10:  // ECHO: the command data back
      return Response::ok(cmd.data);
    case 0xB0: {  // READ BINARY of P2 bytes of a fixed pattern (P1 P2 up to 0x0200): a read
      const size_t n = cmd.p1p2();
      if (n > 0x200) return Response::status(sw::kIncorrectP1P2);
      Bytes pattern(n);
      for (size_t i = 0; i < n; ++i) pattern[i] = static_cast<uint8_t>(i);
      return Response::read(std::move(pattern));
    }
    case 0x20:
      return verify(cmd);
    case 0x84: {  // GET CHALLENGE
      if (cmd.ne == 0 || cmd.ne > 256) return Response::status(sw::kWrongLength);
      return Response::ok(rng_.bytes(cmd.ne));
    }
    case 0x2A:
      return sign(cmd);
    case 0xCA:  // GET DATA: 00 01 EC public point, 00 02 RSA modulus
      if (cmd.p1p2() == 0x0001) return Response::read(ecKey_->publicPoint());
      if (cmd.p1p2() == 0x0002) {
        if (!rsaKey_) return Response::status(sw::kReferencedDataNotFound);
        return Response::read(rsaKey_->modulus());
      }
      return Response::status(sw::kReferencedDataNotFound);
    default:
      return Response::status(sw::kInsNotSupported);
  }
}

Response TestCardApplet::verify(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x81) return Response::status(sw::kIncorrectP1P2);
  if (cmd.data.empty()) {
    return Response::status(verified_ ? sw::kOk : sw::verifyFailed(triesLeft_));
  }
  if (triesLeft_ == 0) return Response::status(sw::kAuthenticationMethodBlocked);
  // Spend the try durably before comparing, as card/runtime/pin.hpp does.
  const uint8_t before = triesLeft_;
  if (!persistTries(static_cast<uint8_t>(before - 1))) return Response::status(sw::kMemoryFailure);
  if (!constantTimeEqual(cmd.data, kPin)) {
    verified_ = false;
    return Response::status(sw::verifyFailed(triesLeft_));
  }
  if (!persistTries(kMaxTries)) return Response::status(sw::kMemoryFailure);
  verified_ = true;
  return Response::status(sw::kOk);
}

Response TestCardApplet::sign(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1 != 0x9E) return Response::status(sw::kIncorrectP1P2);
  if (!verified_) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (cmd.p2 == 0x9A) {  // ECDSA P-256 over the hash given
    auto sig = ecKey_->signHash(cmd.data, rng_);
    if (!sig) return Response::status(sw::kWrongLength);
    return Response::ok(std::move(sig.value()));
  }
  if (cmd.p2 == 0x9B) {  // RSA-2048 PKCS#1 v1.5 over the hash given
    if (!rsaKey_) {
      auto key = base::RsaKeyPair::generate(rng_);
      if (!key) return Response::status(sw::kMemoryFailure);
      rsaKey_ = std::move(key.value());
    }
    auto sig = rsaKey_->signHash(cmd.data, rng_);
    if (!sig) return Response::status(sw::kWrongLength);
    return Response::ok(std::move(sig.value()));
  }
  return Response::status(sw::kIncorrectP1P2);
}

}  // namespace hp::conform
