// The home card applet: PINs and the security state machine, on-card key pairs and signatures,
// the user's certificates, the trust registries and the e-money purse. Normative behaviour:
// apdu_specs/homecard.json.
//
// Pure card logic: no I/O; clock, randomness and storage are injected. Every persistent change
// goes through PersistentState::update(), so a failed write answers 6581 with nothing changed.
#pragma once

#include "card/runtime/pin.hpp"

#include <cstdint>
#include <memory>
#include <optional>

#include "base/clock.hpp"
#include "base/ec_key.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/rsa_key.hpp"
#include "card/homecard/home_card_state.hpp"
#include "card/runtime/applet.hpp"
#include "card/runtime/persistent_state.hpp"
#include "card/runtime/storage.hpp"
#include "protocol/card_link/pin_session.hpp"

namespace hp::card::homecard {

inline constexpr uint8_t kHomeCardAid[] = {0xF0, 0x48, 0x4F, 0x4D, 0x45,
                                           0x43, 0x41, 0x52, 0x44, 0x01};

// card::makeAtr("HOMECARD")
Bytes homeCardAtr();

// Volatile security state (seed Fig 6); its numeric value is what GET DATA status reports.
enum class SecurityState : uint8_t { kInhibited = 0x00, kStandby = 0x01, kCrypto = 0x02 };

class HomeCardApplet final : public card::runtime::Applet {
 public:
  // Crypto-enabled falls back to standby after this long without a command that uses or grants
  // it (VERIFY PIN2, signatures, key generation, purse DEBIT/CREDIT/CANCEL/INIT); reads do not
  // count.
  static constexpr uint64_t kCryptoIdleTimeoutMs = 600'000;

  // Loads the state from storage (blank storage = new card in personalization); error if the
  // image is malformed or its stored keys do not rebuild.
  static Result<std::unique_ptr<HomeCardApplet>> open(
      card::runtime::Storage& storage, base::Clock& clock, base::Rng& rng,
      uint32_t pinIterations = card::runtime::kProductPinIterations);

  ByteView aid() const override { return kHomeCardAid; }
  Bytes fciProprietary() const override;
  protocol::apdu::StatusWord onSelect() override;
  void onDeselect() override { dropSecurityState(); }
  void onReset() override { dropSecurityState(); }
  card::runtime::Response process(const protocol::apdu::CommandApdu& cmd) override;

  // For tests and diagnostics: the committed persistent state and the volatile security state.
  const HomeCardState& state() const { return state_.get(); }
  SecurityState securityState() const { return security_; }

 private:
  HomeCardApplet(card::runtime::Storage& storage, base::Clock& clock, base::Rng& rng,
                 uint32_t pinIterations);

  card::runtime::Response dispatch(const protocol::apdu::CommandApdu& cmd);
  void dropSecurityState();
  void applyIdleTimeout();
  bool operational() const { return state().lifecycle == Lifecycle::kOperational; }
  bool pin1Verified() const { return security_ != SecurityState::kInhibited; }
  bool pin2Verified() const { return security_ == SecurityState::kCrypto; }
  // Runs `mutate` on a copy of the state and commits it; false when storage failed.
  template <class F>
  bool update(F&& mutate) {
    return state_.update(std::forward<F>(mutate));
  }

  // pin_commands.cpp
  card::runtime::Response verify(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response resetSecurity(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response changeReferenceData(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response changePuk(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response resetRetryCounter(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response activate(const protocol::apdu::CommandApdu& cmd);
  // The PIN check of VERIFY and SECURE VERIFY, with the security state transitions.
  card::runtime::Response verifyReference(bool isPin1, ByteView pin);
  // checkPin against the record selected by `select`, persisting the counter through update().
  card::runtime::PinCheck checkReference(card::runtime::PinRecord HomeCardState::*select,
                                         ByteView candidate);

  // key_commands.cpp
  card::runtime::Response generateOrReadKey(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response manageSecurityEnvironment(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response computeSignature(const protocol::apdu::CommandApdu& cmd);
  Bytes publicKeyTemplate(uint8_t keyRef) const;
  // Rebuilds the live key objects when the state's key bytes differ from what they were built
  // from; false if stored key bytes do not form a valid key.
  bool refreshKeyCache();

  // data_commands.cpp
  card::runtime::Response putData(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response getData(const protocol::apdu::CommandApdu& cmd);
  Bytes statusTemplate() const;

  // card_link_commands.cpp
  card::runtime::Response authenticateCard(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response secureVerify(const protocol::apdu::CommandApdu& cmd);
  Bytes cardAuthKeyTemplate();
  // The live card authentication key, rebuilt from the state when it changed; null if none.
  base::EcKeyPair* cardAuthKey();

  // registry_commands.cpp
  card::runtime::Response registryCommand(const protocol::apdu::CommandApdu& cmd);

  // purse_commands.cpp
  card::runtime::Response purseCommand(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response purseStatusCommand(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response purseInit(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response purseReadLog(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response purseMovement(const protocol::apdu::CommandApdu& cmd);

  card::runtime::PersistentState<HomeCardState> state_;
  base::Clock& clock_;
  base::Rng& rng_;
  // PBKDF2 iterations of new PIN/PUK verifiers (card::kProductPinIterations in the product).
  uint32_t pinIterations_;

  SecurityState security_ = SecurityState::kInhibited;
  uint64_t lastActivityMs_ = 0;
  uint8_t signingKey_ = kKeyEc;  // MANAGE SECURITY ENVIRONMENT; volatile

  // Live key objects, kept between signatures (mbedTLS caches precomputed tables in them), and
  // the private bytes they were built from, to notice when the state's keys change.
  std::unique_ptr<base::EcKeyPair> ecKey_;
  SecretBytes ecKeySource_;
  std::unique_ptr<base::RsaKeyPair> rsaKey_;
  SecretBytes rsaKeySource_;
  std::unique_ptr<base::EcKeyPair> cardAuthKey_;
  SecretBytes cardAuthKeySource_;

  // Volatile: the keys of the last AUTHENTICATE CARD, for exactly one SECURE VERIFY.
  std::optional<protocol::card_link::pin_session::Keys> pinSession_;
};

}  // namespace hp::card::homecard
