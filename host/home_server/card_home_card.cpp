#include "card_home_card.hpp"

namespace hp::home {

namespace {

PinOutcome toOutcome(const adapters::PinVerification& verification) {
  using Outcome = adapters::PinVerification::Outcome;
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

const char* securityName(adapters::HomeSecurityState state) {
  switch (state) {
    case adapters::HomeSecurityState::kInhibited:
      return "inhibited";
    case adapters::HomeSecurityState::kStandby:
      return "standby";
    case adapters::HomeSecurityState::kCrypto:
      return "crypto";
  }
  return "unknown";
}

void appendU32(Bytes& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

void appendU64(Bytes& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

uint64_t readU64(ByteView in, size_t at) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | in[at + i];
  return value;
}

uint32_t readU32(ByteView in, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | in[at + i];
  return value;
}

PurseError purseFailure(const adapters::CardError& error) {
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

Result<adapters::HomeCardSigner*> LazyHomeCardSigner::opened() const {
  std::lock_guard lock(mutex_);
  if (!signer_) {
    auto signer = adapters::HomeCardSigner::open(card_, type_);
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
  if (!status) return adapters::toError(status.error());
  return HomeCardStatus{lifecycleName(status->lifecycle), securityName(status->security),
                        status->pin1TriesLeft, status->pin2TriesLeft};
}

Result<PinOutcome> CardHomeCard::verifyPin1(const std::string& pin) {
  auto verification = card_.verifyPin1(pin);
  if (!verification) return adapters::toError(verification.error());
  return toOutcome(*verification);
}

Result<PinOutcome> CardHomeCard::verifyPin2(const std::string& pin) {
  auto verification = card_.verifyPin2(pin);
  if (!verification) return adapters::toError(verification.error());
  return toOutcome(*verification);
}

// The purse commands (docs/emoney.md, "Card commands"; normative: apdu_specs/homecard.json).
namespace {
constexpr uint8_t kClaProprietary = 0x80;
constexpr uint8_t kInsDebit = 0x32;
constexpr uint8_t kInsCredit = 0x34;
constexpr uint8_t kInsCancel = 0x36;
constexpr uint8_t kInsReadLog = 0x38;
// PURSE STATUS: purse_id(8) currency(3) balance(8) max(8) last_txn(4) credit_seq(4) oldest(4).
constexpr size_t kPurseStatusSize = 8 + 3 + 8 + 8 + 4 + 4 + 4;
// Short Le 00: longer answers come by GET RESPONSE (see home_card_client.cpp).
constexpr uint32_t kReadAll = 256;
}  // namespace

PurseResult<PurseStatus> CardHomeCard::purseStatus() {
  auto data = card_.commands().run("PURSE STATUS", 0x00, 0xCA, 0xDF, 0x40, {}, kReadAll);
  if (!data) return purseFailure(data.error());
  if (data->size() != kPurseStatusSize) {
    return PurseError{0, "home card: PURSE STATUS: malformed answer"};
  }
  const Bytes& d = *data;
  PurseStatus status;
  std::copy(d.begin(), d.begin() + 8, status.purseId.begin());
  status.currency.assign(d.begin() + 8, d.begin() + 11);
  status.balance = readU64(d, 11);
  status.maxBalance = readU64(d, 19);
  status.lastTxn = readU32(d, 27);
  status.creditSeq = readU32(d, 31);
  status.oldestLoggedTxn = readU32(d, 35);
  return status;
}

PurseResult<Bytes> CardHomeCard::purseDebit(uint64_t timeMs, ByteView shopId, ByteView orderRef,
                                            const std::string& currency, uint64_t amount) {
  if (shopId.empty() || shopId.size() > card::purse::kMaxPartyIdSize || orderRef.empty() ||
      orderRef.size() > card::purse::kMaxReferenceSize || currency.size() != 3) {
    return PurseError{0x6A80, "home card: DEBIT: shop ID, order reference or currency malformed"};
  }
  Bytes data;
  appendU64(data, timeMs);
  data.push_back(static_cast<uint8_t>(shopId.size()));
  append(data, shopId);
  data.push_back(static_cast<uint8_t>(orderRef.size()));
  append(data, orderRef);
  append(data, bytesOf(currency));
  appendU64(data, amount);
  auto record = card_.commands().run("DEBIT", kClaProprietary, kInsDebit, 0, 0, data, kReadAll);
  if (!record) return purseFailure(record.error());
  return std::move(record.value());
}

PurseResult<Bytes> CardHomeCard::purseCredit(uint64_t timeMs, ByteView signedVoucher) {
  Bytes data;
  appendU64(data, timeMs);
  append(data, signedVoucher);
  auto record = card_.commands().run("CREDIT", kClaProprietary, kInsCredit, 0, 0, data, kReadAll);
  if (!record) return purseFailure(record.error());
  return std::move(record.value());
}

PurseResult<Bytes> CardHomeCard::purseCancel(uint64_t timeMs, ByteView signedCancellation) {
  Bytes data;
  appendU64(data, timeMs);
  append(data, signedCancellation);
  auto record = card_.commands().run("CANCEL", kClaProprietary, kInsCancel, 0, 0, data, kReadAll);
  if (!record) return purseFailure(record.error());
  return std::move(record.value());
}

PurseResult<std::vector<card::purse::LogEntry>> CardHomeCard::purseReadLog(uint32_t fromTxn) {
  Bytes from;
  appendU32(from, fromTxn);
  auto data = card_.commands().run("READ LOG", kClaProprietary, kInsReadLog, 0, 0, from, kReadAll);
  if (!data) return purseFailure(data.error());
  std::vector<card::purse::LogEntry> entries;
  ByteView rest(*data);
  while (!rest.empty()) {
    const size_t size = rest[0];
    if (rest.size() < 1 + size) return PurseError{0, "home card: READ LOG: truncated entry"};
    auto entry = card::purse::decodeLogEntry(rest.subspan(1, size));
    if (!entry) return PurseError{0, "home card: READ LOG: malformed entry"};
    entries.push_back(std::move(*entry));
    rest = rest.subspan(1 + size);
  }
  return entries;
}

Result<void> CardHomeCard::finish() {
  auto finished = card_.finish();
  if (!finished) return adapters::toError(finished.error());
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
  (void)card_.registryRemove(adapters::HomeRegistry::kTerminals, bytesOf(id));
  auto added = card_.registryAdd(adapters::HomeRegistry::kTerminals, bytesOf(id), publicKey);
  if (!added) return adapters::toError(added.error());
  return {};
}

Result<void> CardTerminalDirectory::revokeTerminal(const std::string& id) {
  auto removed = card_.registryRemove(adapters::HomeRegistry::kTerminals, bytesOf(id));
  if (!removed) {
    if (removed.error().sw == 0x6A88) return makeError("unknown terminal");
    return adapters::toError(removed.error());
  }
  return {};
}

Result<std::vector<TerminalEntry>> CardTerminalDirectory::list() {
  auto entries = card_.registryList(adapters::HomeRegistry::kTerminals);
  if (!entries) return adapters::toError(entries.error());
  std::vector<TerminalEntry> all;
  for (const auto& entry : *entries) {
    all.push_back(TerminalEntry{std::string(entry.id.begin(), entry.id.end()), entry.point, false});
  }
  return all;
}

}  // namespace hp::home
