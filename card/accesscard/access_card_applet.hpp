// The access card applet: gates the user's terminal with a PIN or a biometric match, holds the
// terminal's key pair, its ID, the home server's public key and address and a terminal profile,
// and signs host-supplied hashes while unlocked. Normative behaviour: apdu_specs/accesscard.json.
//
// Lifecycle (persistent): personalization -> ACTIVATE -> operational.
// Security state (volatile, lost on reset, power-off and deselect): locked -> unlocked-pin or
// unlocked-bio; back to locked on VERIFY 00 20 FF 81 or after 10 minutes without an APDU.
// Control channel (docs/proxy-architecture.md): PREPARE SHARE makes an ephemeral P-256 key whose
// private half lives only in RAM until KEY AGREEMENT uses it once, or locking drops it. The card
// runs the key schedule and keeps the resumption ticket (ID, secret, expiry) in RAM only: single
// use (RESUME AGREEMENT replaces it), replaced by each full handshake, wiped by any lock.
#pragma once

#include "card/runtime/pin.hpp"

#include <cstdint>
#include <memory>
#include <optional>

#include "base/clock.hpp"
#include "base/ec_key.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "card/accesscard/access_card_state.hpp"
#include "card/runtime/applet.hpp"
#include "card/runtime/persistent_state.hpp"
#include "card/runtime/storage.hpp"

namespace hp::card::accesscard {

inline constexpr uint8_t kAccessCardAid[] = {0xF0, 0x41, 0x43, 0x43, 0x45, 0x53,
                                             0x53, 0x43, 0x41, 0x52, 0x44, 0x01};

// Proprietary (CLA 80) instructions of the control channel.
inline constexpr uint8_t kInsPrepareShare = 0x50;
inline constexpr uint8_t kInsKeyAgreement = 0x52;
inline constexpr uint8_t kInsPrepareResume = 0x54;
inline constexpr uint8_t kInsResumeAgreement = 0x56;
inline constexpr size_t kChannelTicketIdSize = 16;
// The card never keeps a resumption ticket longer than this, whatever the server announces.
inline constexpr uint64_t kMaxTicketLifetimeMs = 12ull * 3600 * 1000;
// PREPARE SHARE refuses a validity window longer than this (the server refuses them too).
inline constexpr uint64_t kMaxShareWindowMs = 24ull * 3600 * 1000;

// card::makeAtr("ACCESSCARD")
hp::base::Bytes accessCardAtr();

enum class SecurityState : uint8_t { kLocked = 0, kUnlockedPin = 1, kUnlockedBio = 2 };

class AccessCardApplet final : public card::runtime::Applet {
 public:
  // Idle time after which an unlocked card locks itself (checked when the next command arrives).
  static constexpr uint64_t kIdleLockMs = 600'000;

  // Loads the state from storage (a blank storage becomes a fresh card in personalization).
  // A malformed image or an unusable stored key is an error: the card refuses to run.
  static Result<std::unique_ptr<AccessCardApplet>> open(
      card::runtime::Storage& storage, base::Clock& clock, base::Rng& rng,
      uint32_t pinIterations = card::runtime::kProductPinIterations);

  ByteView aid() const override { return kAccessCardAid; }
  Bytes fciProprietary() const override;
  protocol::apdu::StatusWord onSelect() override;
  void onDeselect() override { lock(); }
  void onReset() override { lock(); }
  // True while a PREPARE SHARE key waits for its KEY AGREEMENT (tests and diagnostics).
  bool hasPendingShare() const { return pendingShare_ != nullptr; }
  // True while the card holds a resumption ticket (tests and diagnostics; never readable).
  bool hasTicket() const { return ticket_.has_value(); }
  card::runtime::Response process(const protocol::apdu::CommandApdu& cmd) override;

  // For tests and diagnostics; neither exposes a secret through the APDU interface.
  const AccessCardState& state() const { return state_.get(); }
  SecurityState security() const { return security_; }

 private:
  AccessCardApplet(card::runtime::Storage& storage, base::Clock& clock, base::Rng& rng,
                   uint32_t pinIterations);

  card::runtime::Response dispatch(const protocol::apdu::CommandApdu& cmd);
  // Locking also forgets the pending ephemeral key: a share is only usable by the user who
  // unlocked the card for it (EcKeyPair's destructor has mbedTLS zeroize the scalar).
  // The same holds for the resumption ticket: whatever the host kept of a channel is useless
  // while the card is locked (issue 8 item 1); SecretBytes wipes the secret.
  void lock() {
    security_ = SecurityState::kLocked;
    pendingShare_.reset();
    pendingResume_.reset();
    ticket_.reset();
  }
  bool operational() const { return state().lifecycle == Lifecycle::kOperational; }
  bool personalizing() const { return state().lifecycle == Lifecycle::kPersonalization; }
  bool unlocked() const { return security_ != SecurityState::kLocked; }
  // Personalization, or a PIN unlock (a biometric unlock is not enough to change the card).
  bool mayAdminister() const { return personalizing() || security_ == SecurityState::kUnlockedPin; }
  // Transactional state change; false when storage failed (then nothing changed).
  template <class F>
  bool update(F&& mutate) {
    return state_.update(std::forward<F>(mutate));
  }

  // verification_commands.cpp
  card::runtime::Response verify(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response verifyPin(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response verifyBiometric(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response changeReferenceData(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response changePuk(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response resetRetryCounter(const protocol::apdu::CommandApdu& cmd);
  // Checks a PUK with the two-phase counter; 9000 when it matched.
  protocol::apdu::StatusWord checkPuk(ByteView puk);

  // key_commands.cpp
  card::runtime::Response generateOrReadKey(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response computeSignature(const protocol::apdu::CommandApdu& cmd);
  Bytes publicKeyObject() const;

  // data_commands.cpp
  card::runtime::Response activate(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response putData(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response getData(const protocol::apdu::CommandApdu& cmd);
  Bytes statusObject() const;

  // channel_commands.cpp
  card::runtime::Response dispatchProprietary(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response prepareShare(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response keyAgreement(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response prepareResume(const protocol::apdu::CommandApdu& cmd);
  card::runtime::Response resumeAgreement(const protocol::apdu::CommandApdu& cmd);
  // Replaces the ticket (none when lifetimeMs is 0), expiring after min(lifetime, 12 h).
  void keepTicket(const Bytes& id, SecretBytes secret, uint64_t lifetimeMs);

  // The channel's resumption ticket: volatile, never leaves the card.
  struct ChannelTicket {
    Bytes id;
    SecretBytes secret;
    uint64_t expiresAtMs = 0;  // by the card's own (monotonic) clock
  };

  base::Clock& clock_;
  base::Rng& rng_;
  // PBKDF2 iterations of new PIN/PUK verifiers (card::kProductPinIterations in the product).
  uint32_t pinIterations_;
  card::runtime::PersistentState<AccessCardState> state_;
  // The live key, rebuilt once from the stored scalar: mbedTLS keeps its precomputed tables in
  // it, so signatures stay fast.
  std::unique_ptr<base::EcKeyPair> key_;
  // The ephemeral key of the last PREPARE SHARE; volatile and single use.
  std::unique_ptr<base::EcKeyPair> pendingShare_;
  // The ephemeral key of the last PREPARE RESUME; volatile and single use.
  std::unique_ptr<base::EcKeyPair> pendingResume_;
  std::optional<ChannelTicket> ticket_;
  SecurityState security_ = SecurityState::kLocked;
  uint64_t lastActivityMs_ = 0;
};

}  // namespace hp::card::accesscard
