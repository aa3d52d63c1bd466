// Typed client of the access card (apdu_specs/accesscard.json) over any pcsc::Transport: one
// method per card command the terminal needs, answers parsed, failures as CardError.
//
// The card is locked after reset/select; verifyPin or verifyBiometric unlocks it, lock() or 10
// idle minutes lock it again (and drop a prepared key share).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "host/card_adapters/card_commands.hpp"
#include "host/card_adapters/card_error.hpp"
#include "host/card_adapters/pin_verification.hpp"

namespace hp::card_adapters {

// The access card's AID (card/accesscard/access_card_applet.hpp; the tests check they agree).
inline constexpr uint8_t kAccessCardAid[] = {0xF0, 0x41, 0x43, 0x43, 0x45, 0x53,
                                             0x53, 0x43, 0x41, 0x52, 0x44, 0x01};

enum class AccessSecurityState : uint8_t { kLocked = 0, kUnlockedPin = 1, kUnlockedBio = 2 };

struct AccessCardStatus {
  uint8_t lifecycle = 0;  // 01 personalization, 02 operational
  AccessSecurityState security = AccessSecurityState::kLocked;
  uint8_t pinTriesLeft = 0;
  uint8_t biometricTriesLeft = 0;
  uint8_t pukTriesLeft = 0;
  uint8_t flags = 0;  // 01 key, 02 template, 04 ID, 08 home key, 10 home address, 20 profile

  bool operational() const { return lifecycle == 0x02; }
  bool unlocked() const { return security != AccessSecurityState::kLocked; }
};

struct TerminalProfile {
  enum class Kind : uint8_t { kPhone = 1, kLaptop = 2, kTill = 3 };
  enum class Layout : uint8_t { kNarrow = 1, kWide = 2 };
  Kind kind = Kind::kPhone;
  uint16_t columns = 0;
  uint16_t rows = 0;
  Layout layout = Layout::kNarrow;
};

// PREPARE SHARE's answer: the ephemeral point and the terminal key's signature over the
// share statement (protocol/channel/share_statement.hpp).
struct PreparedShare {
  Bytes point;
  Bytes signature;
};

// PREPARE RESUME's answer: the card's ticket ID and a fresh ephemeral point.
struct ResumeOffer {
  Bytes ticketId;
  Bytes point;
};

class AccessCardClient {
 public:
  static constexpr size_t kBiometricSampleSize = 32;

  explicit AccessCardClient(pcsc_bridge::Transport& transport)
      : commands_(transport, "access card") {}

  CardResult<void> select();
  CardResult<PinVerification> verifyPin(std::string_view pin);
  // A 32-byte feature code; compared on the card against the enrolled template.
  CardResult<PinVerification> verifyBiometric(ByteView sample);
  CardResult<void> lock();
  CardResult<AccessCardStatus> status();

  CardResult<TerminalProfile> profile();  // readable while locked
  // The rest need an unlocked card (6982 otherwise).
  CardResult<std::string> terminalId();
  CardResult<Bytes> homeServerKey();            // uncompressed P-256
  CardResult<std::string> homeServerAddress();  // "host:port"
  CardResult<Bytes> readPublicKey();  // the terminal's long-term key (readable while locked)

  // PREPARE SHARE with a validity window in wall-clock ms (at most 24 h long).
  CardResult<PreparedShare> prepareShare(uint64_t createdAtMs, uint64_t expiresAtMs);
  // KEY AGREEMENT: the card checks the home server's signature over
  // card::serverHelloSignedHash(serverPoint, its own pending point, signedHash) with its DF 31
  // key (6300 if it does not verify), agrees with the pending share (destroyed either way), runs
  // the key schedule over keyScheduleHash, keeps the resumption ticket (ticketId, lifetime) in
  // its RAM and returns the 152 bytes of this connection's traffic and Finished keys.
  CardResult<SecretBytes> keyAgreement(ByteView serverPoint, ByteView signedHash,
                                       ByteView serverSignature, ByteView keyScheduleHash,
                                       ByteView ticketId, uint64_t ticketLifetimeMs);
  // PREPARE RESUME: the ticket ID the card holds and a fresh ephemeral point; nullopt (6A88)
  // when the card holds no live ticket.
  CardResult<std::optional<ResumeOffer>> prepareResume();
  // RESUME AGREEMENT: ECDH with the pending resume key, keys from (ticket secret || Z) over
  // transcriptHash, the ticket replaced by (newTicketId, lifetime); 152 bytes of keys.
  CardResult<SecretBytes> resumeAgreement(ByteView serverPoint, ByteView transcriptHash,
                                          ByteView newTicketId, uint64_t ticketLifetimeMs);
  // PSO: COMPUTE DIGITAL SIGNATURE with the terminal key; DER ECDSA.
  CardResult<Bytes> sign(ByteView hash);

  CardCommands& commands() { return commands_; }

 private:
  CardResult<SecretBytes> agreeKeys(const char* what, uint8_t ins, Bytes command, ByteView ticketId,
                                    uint64_t ticketLifetimeMs);
  CardResult<Bytes> getData(const char* what, uint8_t tag);

  CardCommands commands_;
};

}  // namespace hp::card_adapters
