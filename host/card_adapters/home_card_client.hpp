// Typed client of the home card (apdu_specs/homecard.json) over any pcsc::Transport: one method
// per card command, answers parsed, failures as CardError with the status word.
//
// Security states on the card: inhibited -> VERIFY PIN1 -> standby (registries, certificates)
// -> VERIFY PIN2 -> crypto (signatures, key generation, purse movements); finish() goes back to
// standby. The purse (docs/emoney.md): status and log in standby, init/debit/credit/cancel in
// crypto; refusals are CardErrors whose sw callers map (9401 insufficient funds, 9402 maximum
// balance exceeded, 6985 conflicting retry or voucher already used, 6A88 unknown party or
// payment, 6A80 forged or foreign object).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "host/card_adapters/card_commands.hpp"
#include "host/card_adapters/card_error.hpp"
#include "host/card_adapters/pin_verification.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::card_adapters {

// The home card's AID (card/homecard/home_card_applet.hpp; the tests check they agree).
inline constexpr uint8_t kHomeCardAid[] = {0xF0, 0x48, 0x4F, 0x4D, 0x45,
                                           0x43, 0x41, 0x52, 0x44, 0x01};

enum class HomeKeyRef : uint8_t { kEc = 0x01, kRsa = 0x02 };
enum class HomeRegistry : uint8_t { kTerminals = 0x01, kShops = 0x02, kBanks = 0x03 };
enum class HomeSecurityState : uint8_t { kInhibited = 0x00, kStandby = 0x01, kCrypto = 0x02 };

struct HomeCardStatus {
  uint8_t lifecycle = 0;  // 01 personalization, 02 operational
  HomeSecurityState security = HomeSecurityState::kInhibited;
  uint8_t pin1TriesLeft = 0;
  uint8_t pin2TriesLeft = 0;
  uint8_t pukTriesLeft = 0;
  bool hasEcKey = false;
  bool hasRsaKey = false;

  bool operational() const { return lifecycle == 0x02; }
};

struct HomePublicKey {
  HomeKeyRef ref = HomeKeyRef::kEc;
  Bytes point;     // EC: uncompressed P-256 point
  Bytes modulus;   // RSA: 256 bytes
  Bytes exponent;  // RSA
};

struct HomeRegistryEntry {
  Bytes id;
  Bytes point;  // uncompressed P-256
};

// The purse's own status words (docs/emoney.md).
inline constexpr uint16_t kSwInsufficientFunds = 0x9401;
inline constexpr uint16_t kSwMaximumBalanceExceeded = 0x9402;

// PURSE STATUS (GET DATA DF 40).
struct PurseStatus {
  std::array<uint8_t, protocol::purse::kPurseIdSize> purseId{};
  std::string currency;  // ISO 4217, e.g. "EUR"
  uint64_t balance = 0;  // minor units
  uint64_t maxBalance = 0;
  uint32_t lastTxn = 0;          // 0: no movement yet
  uint32_t creditSeq = 0;        // the next voucher must carry creditSeq + 1
  uint32_t oldestLoggedTxn = 0;  // 0: empty log
};

class HomeCardClient {
 public:
  explicit HomeCardClient(pcsc_bridge::Transport& transport) : commands_(transport, "home card") {}

  CardResult<void> select();
  // VERIFY PIN1 / PIN2 (ISO 7816-4 11.5.6). A wrong or blocked PIN is an outcome, not an error.
  CardResult<PinVerification> verifyPin1(std::string_view pin);
  CardResult<PinVerification> verifyPin2(std::string_view pin);
  // The protected form (docs/design.md, "The card link"): AUTHENTICATE CARD with a fresh
  // ephemeral key and nonce; the card must prove it holds the key whose point is
  // `pinnedCardKey` (pinned at provisioning) before the PIN leaves, and the PIN then goes
  // sealed under one-use session keys (SECURE VERIFY). A card that fails the proof gets no PIN
  // and the answer is a CardError with notAuthenticated set.
  CardResult<PinVerification> verifyPin1Protected(ByteView pinnedCardKey, std::string_view pin);
  CardResult<PinVerification> verifyPin2Protected(ByteView pinnedCardKey, std::string_view pin);
  // GET DATA DF 31: the card authentication key's uncompressed P-256 point (for hp_provision
  // to pin). 6A88 on a card activated before the key existed; 6985 in personalization.
  CardResult<Bytes> readCardAuthKey();
  // Back from crypto to standby (VERIFY P1 = FF for PIN2): no more signatures until PIN2.
  CardResult<void> finish();
  CardResult<HomeCardStatus> status();

  CardResult<HomePublicKey> readPublicKey(HomeKeyRef key);
  CardResult<HomePublicKey> generateKey(HomeKeyRef key);  // PIN2; drops the key's certificate
  // MSE SET (key reference) then PSO: COMPUTE DIGITAL SIGNATURE over a 20/28/32/48/64-byte hash.
  // EC: DER ECDSA-Sig-Value; RSA: PKCS#1 v1.5 over the DigestInfo the card builds.
  CardResult<Bytes> sign(HomeKeyRef key, ByteView hash);

  // The certificate of a key (DER); 6A88 when none is stored.
  CardResult<Bytes> getCertificate(HomeKeyRef key);
  // Stores the certificate (one DER SEQUENCE, at most 4096 bytes); empty deletes it. PIN1.
  CardResult<void> putCertificate(HomeKeyRef key, ByteView der);

  // The trust registries (PIN1): id 1..32 bytes, point an uncompressed P-256 key.
  CardResult<void> registryAdd(HomeRegistry registry, ByteView id, ByteView point);
  CardResult<void> registryRemove(HomeRegistry registry, ByteView id);
  CardResult<std::vector<HomeRegistryEntry>> registryList(HomeRegistry registry);
  // The point registered under `id`; a CardError with SW 6A88 when there is none.
  CardResult<Bytes> registryGet(HomeRegistry registry, ByteView id);

  // The purse. purseInit: PIN2, once per card; answers the new purse ID.
  CardResult<std::array<uint8_t, protocol::purse::kPurseIdSize>> purseInit(
      std::string_view currency, uint64_t maxBalance);
  CardResult<PurseStatus> purseStatus();  // PIN1
  // DEBIT, CREDIT, CANCEL (PIN2): the card's Signed PurseRecord (u16 len || record || DER
  // signature by the user's EC key); decode with card::purse::splitSigned/decodePurseRecord.
  // An identical DEBIT or CREDIT retry answers the original record; nothing moves twice.
  CardResult<Bytes> debit(uint64_t timeMs, ByteView shopId, ByteView orderRef,
                          std::string_view currency, uint64_t amount);
  CardResult<Bytes> credit(uint64_t timeMs, ByteView signedVoucher);
  CardResult<Bytes> cancel(uint64_t timeMs, ByteView signedCancellation);
  // Every logged entry with txn >= fromTxn, oldest first (several READ LOG pages). PIN1.
  CardResult<std::vector<protocol::purse::LogEntry>> readLog(uint32_t fromTxn = 0);

  CardCommands& commands() { return commands_; }

 private:
  CardResult<PinVerification> verify(uint8_t reference, std::string_view pin);
  CardResult<PinVerification> verifyProtected(uint8_t reference, ByteView pinnedCardKey,
                                              std::string_view pin);

  CardCommands commands_;
};

}  // namespace hp::card_adapters
