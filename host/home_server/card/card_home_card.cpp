#include "host/home_server/card/card_home_card.hpp"

namespace hp::home_server {

namespace {

PinOutcome toOutcome(const card_adapters::PinVerification& verification) {
  using Outcome = card_adapters::PinVerification::Outcome;
  switch (verification.outcome) {
    case Outcome::kVerified:
      return {PinOutcome::Kind::kAccepted, verification.triesLeft};
    case Outcome::kWrong:
      return {PinOutcome::Kind::kWrong, verification.triesLeft};
    case Outcome::kBlocked:
      break;
  }
  return {PinOutcome::Kind::kBlocked, 0};
}

const char* securityName(card_adapters::HomeSecurityState state) {
  switch (state) {
    case card_adapters::HomeSecurityState::kInhibited:
      return "inhibited";
    case card_adapters::HomeSecurityState::kStandby:
      return "standby";
    case card_adapters::HomeSecurityState::kCrypto:
      return "crypto";
  }
  return "unknown";
}

PurseError purseFailure(const card_adapters::CardError& error) {
  return PurseError{error.sw, error.message};
}

const char* lifecycleName(uint8_t lifecycle) {
  switch (lifecycle) {
    case 0x01:
      return "personalization";
    case 0x02:
      return "operational";
    default:
      return "unknown";
  }
}

}  // namespace

Result<card_adapters::HomeCardSigner*> LazyHomeCardSigner::opened() const {
  std::lock_guard lock(mutex_);
  if (!signer_) {
    auto signer = card_adapters::HomeCardSigner::open(card_, type_);
    if (!signer) return signer.error();
    signer_ = std::move(signer.value());
  }
  return signer_.get();
}

Bytes LazyHomeCardSigner::certificateDer() const {
  auto signer = opened();
  return signer ? (*signer)->certificateDer() : Bytes{};
}

Result<Bytes> LazyHomeCardSigner::signHash(mbedtls_md_type_t hashAlg, ByteView hash) {
  auto signer = opened();
  if (!signer) return signer.error();
  return (*signer)->signHash(hashAlg, hash);
}

Result<HomeCardStatus> CardHomeCard::status() {
  auto status = card_.status();
  if (!status) return card_adapters::toError(status.error());
  return HomeCardStatus{lifecycleName(status->lifecycle), securityName(status->security),
                        status->pin1TriesLeft, status->pin2TriesLeft};
}

Result<PinOutcome> CardHomeCard::verifyPin(bool pin1, const std::string& pin) {
  auto verification = pin1 ? card_.verifyPin1Protected(pinnedCardKey_, pin)
                           : card_.verifyPin2Protected(pinnedCardKey_, pin);
  if (!verification) {
    if (verification.error().notAuthenticated) {
      return makeError("the card in " + reader_ +
                       " is not the home card this server was provisioned with: refusing to "
                       "send PINs (" +
                       verification.error().message + ")");
    }
    return card_adapters::toError(verification.error());
  }
  return toOutcome(*verification);
}

Result<PinOutcome> CardHomeCard::verifyPin1(const std::string& pin) {
  return verifyPin(true, pin);
}

Result<PinOutcome> CardHomeCard::verifyPin2(const std::string& pin) {
  return verifyPin(false, pin);
}

// The purse: host/card_adapters' HomeCardClient commands, status words kept for the mapping.
PurseResult<PurseStatus> CardHomeCard::purseStatus() {
  auto status = card_.purseStatus();
  if (!status) return purseFailure(status.error());
  return PurseStatus{status->purseId, status->currency,  status->balance,        status->maxBalance,
                     status->lastTxn, status->creditSeq, status->oldestLoggedTxn};
}

PurseResult<Bytes> CardHomeCard::purseDebit(uint64_t timeMs, ByteView shopId, ByteView orderRef,
                                            const std::string& currency, uint64_t amount) {
  auto record = card_.debit(timeMs, shopId, orderRef, currency, amount);
  if (!record) return purseFailure(record.error());
  return std::move(record.value());
}

PurseResult<Bytes> CardHomeCard::purseCredit(uint64_t timeMs, ByteView signedVoucher) {
  auto record = card_.credit(timeMs, signedVoucher);
  if (!record) return purseFailure(record.error());
  return std::move(record.value());
}

PurseResult<Bytes> CardHomeCard::purseCancel(uint64_t timeMs, ByteView signedCancellation) {
  auto record = card_.cancel(timeMs, signedCancellation);
  if (!record) return purseFailure(record.error());
  return std::move(record.value());
}

PurseResult<std::vector<protocol::purse::LogEntry>> CardHomeCard::purseReadLog(uint32_t fromTxn) {
  auto entries = card_.readLog(fromTxn);
  if (!entries) return purseFailure(entries.error());
  return std::move(entries.value());
}

Result<void> CardHomeCard::finish() {
  auto finished = card_.finish();
  if (!finished) return card_adapters::toError(finished.error());
  return {};
}

Result<Bytes> CardTerminalDirectory::terminalKey(std::string_view terminalId) {
  return registry_.terminalKey(terminalId);
}

Result<void> CardTerminalDirectory::registerTerminal(const std::string& id,
                                                     const Bytes& publicKey) {
  if (!isValidTerminalId(id)) return makeError("terminal ID must be 1..32 of [A-Za-z0-9._-]");
  if (publicKey.size() != 65 || publicKey[0] != 0x04) {
    return makeError("terminal key must be an uncompressed P-256 point (65 bytes, 04...)");
  }
  std::lock_guard lock(card_.commands().mutex());
  // Re-registering replaces the key: remove first (6A88 when absent is fine).
  (void)card_.registryRemove(card_adapters::HomeRegistry::kTerminals, bytesOf(id));
  auto added = card_.registryAdd(card_adapters::HomeRegistry::kTerminals, bytesOf(id), publicKey);
  if (!added) return card_adapters::toError(added.error());
  return {};
}

Result<void> CardTerminalDirectory::revokeTerminal(const std::string& id) {
  auto removed = card_.registryRemove(card_adapters::HomeRegistry::kTerminals, bytesOf(id));
  if (!removed) {
    if (removed.error().sw == 0x6A88) return makeError("unknown terminal");
    return card_adapters::toError(removed.error());
  }
  return {};
}

Result<std::vector<TerminalEntry>> CardTerminalDirectory::list() {
  auto entries = card_.registryList(card_adapters::HomeRegistry::kTerminals);
  if (!entries) return card_adapters::toError(entries.error());
  std::vector<TerminalEntry> all;
  for (const auto& entry : *entries) {
    all.push_back(TerminalEntry{std::string(entry.id.begin(), entry.id.end()), entry.point, false});
  }
  return all;
}

}  // namespace hp::home_server
