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

namespace hp::homecard {

inline constexpr uint8_t kHomeCardAid[] = {0xF0, 0x48, 0x4F, 0x4D, 0x45,
                                           0x43, 0x41, 0x52, 0x44, 0x01};

// card::makeAtr("HOMECARD")
Bytes homeCardAtr();

// Volatile security state (seed Fig 6); its numeric value is what GET DATA status reports.
enum class SecurityState : uint8_t { kInhibited = 0x00, kStandby = 0x01, kCrypto = 0x02 };

class HomeCardApplet final : public card::Applet {
 public:
  // Crypto-enabled falls back to standby after this long without a command that uses or grants
  // it (VERIFY PIN2, signatures, key generation, purse DEBIT/CREDIT/CANCEL/INIT); reads do not
  // count.
  static constexpr uint64_t kCryptoIdleTimeoutMs = 600'000;

  // Loads the state from storage (blank storage = new card in personalization); error if the
  // image is malformed or its stored keys do not rebuild.
  static Result<std::unique_ptr<HomeCardApplet>> open(
      card::Storage& storage, card::Clock& clock, card::Rng& rng,
      uint32_t pinIterations = card::kProductPinIterations);

  ByteView aid() const override { return kHomeCardAid; }
  Bytes fciProprietary() const override;
  card::StatusWord onSelect() override;
  void onDeselect() override { dropSecurityState(); }
  void onReset() override { dropSecurityState(); }
  card::Response process(const card::CommandApdu& cmd) override;

  // For tests and diagnostics: the committed persistent state and the volatile security state.
  const HomeCardState& state() const { return state_.get(); }
  SecurityState securityState() const { return security_; }

 private:
  HomeCardApplet(card::Storage& storage, card::Clock& clock, card::Rng& rng,
                 uint32_t pinIterations);

  card::Response dispatch(const card::CommandApdu& cmd);
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
  card::Response verify(const card::CommandApdu& cmd);
  card::Response resetSecurity(const card::CommandApdu& cmd);
  card::Response changeReferenceData(const card::CommandApdu& cmd);
  card::Response changePuk(const card::CommandApdu& cmd);
  card::Response resetRetryCounter(const card::CommandApdu& cmd);
  card::Response activate(const card::CommandApdu& cmd);
  // The PIN check of VERIFY and SECURE VERIFY, with the security state transitions.
  card::Response verifyReference(bool isPin1, ByteView pin);
  // checkPin against the record selected by `select`, persisting the counter through update().
  card::PinCheck checkReference(card::PinRecord HomeCardState::*select, ByteView candidate);

  // key_commands.cpp
  card::Response generateOrReadKey(const card::CommandApdu& cmd);
  card::Response manageSecurityEnvironment(const card::CommandApdu& cmd);
  card::Response computeSignature(const card::CommandApdu& cmd);
  Bytes publicKeyTemplate(uint8_t keyRef) const;
  // Rebuilds the live key objects when the state's key bytes differ from what they were built
  // from; false if stored key bytes do not form a valid key.
  bool refreshKeyCache();

  // data_commands.cpp
  card::Response putData(const card::CommandApdu& cmd);
  card::Response getData(const card::CommandApdu& cmd);
  Bytes statusTemplate() const;

  // card_link_commands.cpp
  card::Response authenticateCard(const card::CommandApdu& cmd);
  card::Response secureVerify(const card::CommandApdu& cmd);
  Bytes cardAuthKeyTemplate();
  // The live card authentication key, rebuilt from the state when it changed; null if none.
  card::EcKeyPair* cardAuthKey();

  // registry_commands.cpp
  card::Response registryCommand(const card::CommandApdu& cmd);

  // purse_commands.cpp
  card::Response purseCommand(const card::CommandApdu& cmd);
  card::Response purseStatusCommand(const card::CommandApdu& cmd);
  card::Response purseInit(const card::CommandApdu& cmd);
  card::Response purseReadLog(const card::CommandApdu& cmd);
  card::Response purseMovement(const card::CommandApdu& cmd);

  card::PersistentState<HomeCardState> state_;
  card::Clock& clock_;
  card::Rng& rng_;
  // PBKDF2 iterations of new PIN/PUK verifiers (card::kProductPinIterations in the product).
  uint32_t pinIterations_;

  SecurityState security_ = SecurityState::kInhibited;
  uint64_t lastActivityMs_ = 0;
  uint8_t signingKey_ = kKeyEc;  // MANAGE SECURITY ENVIRONMENT; volatile

  // Live key objects, kept between signatures (mbedTLS caches precomputed tables in them), and
  // the private bytes they were built from, to notice when the state's keys change.
  std::unique_ptr<card::EcKeyPair> ecKey_;
  SecretBytes ecKeySource_;
  std::unique_ptr<card::RsaKeyPair> rsaKey_;
  SecretBytes rsaKeySource_;
  std::unique_ptr<card::EcKeyPair> cardAuthKey_;
  SecretBytes cardAuthKeySource_;

  // Volatile: the keys of the last AUTHENTICATE CARD, for exactly one SECURE VERIFY.
  std::optional<card::pin_session::Keys> pinSession_;
};

}  // namespace hp::homecard
