// What the home server needs from the home card. One implementation, CardHomeCard (over
// host/card_adapters' HomeCardClient; tests and benches run it on the real applet in process,
// tests/support/in_process_home_card.hpp). It stays an interface because it is the boundary of
// the card/ wing: sessions/ and purse/ see PIN outcomes and purse status words, not APDUs, card
// clients or PC/SC, and a later step can make it a concrete class without touching them.
// Security states follow seed Fig 6: inhibited -> PIN1 -> standby -> PIN2 -> crypto.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "host/tls_proxy/signer.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::home_server {

struct HomeCardStatus {
  std::string lifecycle;  // "personalization" | "operational" | ...
  std::string security;   // "inhibited" | "standby" | "crypto"
  int pin1TriesLeft = 0;
  int pin2TriesLeft = 0;
};

struct PinOutcome {
  enum class Kind { kAccepted, kWrong, kBlocked };
  Kind kind = Kind::kWrong;
  int triesLeft = 0;
};

// A purse command's failure: the card's status word (docs/emoney.md, "Checks and status words")
// so the caller can say *why* (insufficient funds, PIN2, ...); 0 when no answer came back or the
// card has no purse at all.
struct PurseError {
  uint16_t sw = 0;
  std::string message;
};

template <class T>
using PurseResult = Result<T, PurseError>;

// PURSE STATUS (GET DATA DF 40).
struct PurseStatus {
  std::array<uint8_t, protocol::purse::kPurseIdSize> purseId{};
  std::string currency;
  uint64_t balance = 0;
  uint64_t maxBalance = 0;
  uint32_t lastTxn = 0;
  uint32_t creditSeq = 0;        // the next voucher must carry creditSeq + 1
  uint32_t oldestLoggedTxn = 0;  // 0: the log is empty
};

class HomeCard {
 public:
  virtual ~HomeCard() = default;
  virtual Result<HomeCardStatus> status() = 0;
  // The PIN text is the caller's to wipe; implementations do not keep it.
  virtual Result<PinOutcome> verifyPin1(const std::string& pin) = 0;
  virtual Result<PinOutcome> verifyPin2(const std::string& pin) = 0;
  // Crypto-enabled -> standby.
  virtual Result<void> finish() = 0;
  // The user's key for TLS client authentication (signs only in the crypto state).
  virtual tls_proxy::ClientKeySigner& signer() = 0;

  // The e-money purse (docs/emoney.md, "Card commands"). Each answers the card's signed
  // record (u16 len || PurseRecord || DER signature) or the status word that refused it;
  // nothing moves on a refusal.
  virtual PurseResult<PurseStatus> purseStatus() = 0;
  virtual PurseResult<Bytes> purseDebit(uint64_t timeMs, ByteView shopId, ByteView orderRef,
                                        const std::string& currency, uint64_t amount) = 0;
  virtual PurseResult<Bytes> purseCredit(uint64_t timeMs, ByteView signedVoucher) = 0;
  virtual PurseResult<Bytes> purseCancel(uint64_t timeMs, ByteView signedCancellation) = 0;
  // Log entries with txn >= fromTxn, oldest first: all of them, or (an implementation may page)
  // some, so callers ask again from the last txn + 1 until the answer is empty.
  virtual PurseResult<std::vector<protocol::purse::LogEntry>> purseReadLog(uint32_t fromTxn) = 0;
};

}  // namespace hp::home_server
