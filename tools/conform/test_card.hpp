// The runner's own built-in card ("--card testcard"): small, but with what the runner must
// handle (PIN with retry counter, idempotent reads and 6Cxx, long answers through 61xx, ECDSA
// and RSA signatures to check, a persistent write that can fail). Its spec and scenarios are in
// tools/conform/testdata/; it lets the runner be tested independently of the real cards.
#pragma once

#include <memory>

#include "base/clock.hpp"
#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "base/rsa_key.hpp"
#include "card/runtime/applet.hpp"
#include "card/runtime/storage.hpp"

namespace hp::conform {

inline constexpr uint8_t kTestCardAid[] = {0xF0, 'T', 'E', 'S', 'T', 'C', 'A', 'R', 'D'};

Bytes testCardAtr();

class TestCardApplet final : public card::runtime::Applet {
 public:
  static Result<std::unique_ptr<TestCardApplet>> open(card::runtime::Storage& storage,
                                                      base::Clock& clock, base::Rng& rng);

  ByteView aid() const override { return kTestCardAid; }
  Bytes fciProprietary() const override { return {0x80, 0x01, 0x01}; }
  void onReset() override { verified_ = false; }
  card::runtime::Response process(const protocol::apdu::CommandApdu& cmd) override;

 private:
  TestCardApplet(card::runtime::Storage& storage, base::Rng& rng) : storage_(storage), rng_(rng) {}
  card::runtime::Response verify(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response sign(const protocol::apdu::CommandApdu& cmd);
  bool persistTries(uint8_t tries);

  card::runtime::Storage& storage_;
  base::Rng& rng_;
  uint8_t triesLeft_ = 3;
  bool verified_ = false;
  std::unique_ptr<base::EcKeyPair> ecKey_;
  std::unique_ptr<base::RsaKeyPair> rsaKey_;  // generated on first use: it takes a second
};

}  // namespace hp::conform
