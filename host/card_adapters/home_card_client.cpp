#include "host/card_adapters/home_card_client.hpp"

#include <algorithm>

#include "base/byte_codec.hpp"
#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "base/tlv.hpp"
#include "protocol/card_link/pin_session.hpp"

namespace hp::card_adapters {

namespace {
constexpr uint8_t kClaIso = 0x00;
constexpr uint8_t kClaProprietary = 0x80;
constexpr uint8_t kInsVerify = 0x20;
constexpr uint8_t kInsManageSecurityEnvironment = 0x22;
constexpr uint8_t kInsPerformSecurityOperation = 0x2A;
constexpr uint8_t kInsGenerateKeyPair = 0x47;
constexpr uint8_t kInsGetData = 0xCA;
constexpr uint8_t kInsPutData = 0xDA;
constexpr uint8_t kInsRegistryAdd = 0xE2;
constexpr uint8_t kInsRegistryDelete = 0xE4;
constexpr uint8_t kInsRegistryList = 0xE6;
constexpr uint8_t kInsRegistryGet = 0xE8;
constexpr uint8_t kInsPurseInit = 0x30;
constexpr uint8_t kInsDebit = 0x32;
constexpr uint8_t kInsCredit = 0x34;
constexpr uint8_t kInsCancel = 0x36;
constexpr uint8_t kInsReadLog = 0x38;
constexpr uint8_t kInsAuthenticateCard = 0x50;
constexpr uint8_t kInsSecureVerify = 0x52;
constexpr size_t kPurseStatusSize = 39;
constexpr uint8_t kRefPin1 = 0x81;
constexpr uint8_t kRefPin2 = 0x82;
// Short Le 00: a longer answer (certificates are up to 4096 bytes) comes by 61xx / GET
// RESPONSE, which every reader handles (extended APDUs are not everywhere).
constexpr uint32_t kReadAll = 256;

uint8_t byteOf(HomeKeyRef key) {
  return static_cast<uint8_t>(key);
}
uint8_t byteOf(HomeRegistry registry) {
  return static_cast<uint8_t>(registry);
}
uint16_t certificateTag(HomeKeyRef key) {
  return key == HomeKeyRef::kEc ? 0xDF21 : 0xDF22;
}

// 7F49 { 86 point } or 7F49 { 81 modulus, 82 exponent } (ISO 7816-4 table 88).
void putId(base::ByteWriter& w, ByteView id) {
  w.u8(static_cast<uint8_t>(id.size()));
  w.raw(id);
}

ByteView textBytes(std::string_view text) {
  return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::optional<HomePublicKey> parsePublicKey(HomeKeyRef key, ByteView data) {
  auto outer = base::parseTlvs(data);
  if (!outer || outer->size() != 1 || (*outer)[0].tag != 0x7F49) return std::nullopt;
  auto inner = base::parseTlvs((*outer)[0].value);
  if (!inner) return std::nullopt;
  HomePublicKey out;
  out.ref = key;
  if (key == HomeKeyRef::kEc) {
    const Bytes* point = base::findTlv(*inner, 0x86);
    if (point == nullptr || point->size() != 65) return std::nullopt;
    out.point = *point;
  } else {
    const Bytes* modulus = base::findTlv(*inner, 0x81);
    const Bytes* exponent = base::findTlv(*inner, 0x82);
    if (modulus == nullptr || exponent == nullptr || modulus->empty() || exponent->empty()) {
      return std::nullopt;
    }
    out.modulus = *modulus;
    out.exponent = *exponent;
  }
  return out;
}
}  // namespace

CardResult<void> HomeCardClient::select() {
  auto response = commands_.run("SELECT", kClaIso, 0xA4, 0x04, 0x00, kHomeCardAid, 256);
  if (!response) return response.error();
  return {};
}

CardResult<PinVerification> HomeCardClient::verify(uint8_t reference, std::string_view pin) {
  const char* what = reference == kRefPin1 ? "VERIFY PIN1" : "VERIFY PIN2";
  if (!isPinFormat(pin)) return commands_.failure(what, "a PIN is 4-8 digits (no try used)");
  SecretBytes data(ByteView(reinterpret_cast<const uint8_t*>(pin.data()), pin.size()));
  return pinOutcome(commands_, what,
                    commands_.send(what, kClaIso, kInsVerify, 0x00, reference, data.view()));
}

CardResult<PinVerification> HomeCardClient::verifyPin1(std::string_view pin) {
  return verify(kRefPin1, pin);
}

CardResult<PinVerification> HomeCardClient::verifyPin2(std::string_view pin) {
  return verify(kRefPin2, pin);
}

CardResult<PinVerification> HomeCardClient::verifyProtected(uint8_t reference,
                                                            ByteView pinnedCardKey,
                                                            std::string_view pin) {
  namespace ps = protocol::card_link::pin_session;
  const char* what = reference == kRefPin1 ? "SECURE VERIFY PIN1" : "SECURE VERIFY PIN2";
  if (!isPinFormat(pin)) return commands_.failure(what, "a PIN is 4-8 digits (no try used)");
  if (pinnedCardKey.size() != ps::kPointSize) {
    return commands_.failure(what, "no card authentication key pinned: no PIN is sent");
  }
  // AUTHENTICATE CARD and SECURE VERIFY belong together: another thread's command in between
  // could not break them (the session waits on the card), but keep the pair adjacent anyway.
  std::lock_guard lock(commands_.mutex());
  auto rng = base::makeKernelSeededRng();
  if (!rng) return commands_.failure(what, "no randomness: " + rng.error().message);
  auto ephemeral = base::EcKeyPair::generate(**rng);
  if (!ephemeral) return commands_.failure(what, "cannot make an ephemeral key");
  const Bytes hostPoint = (*ephemeral)->publicPoint();
  const Bytes hostNonce = (*rng)->bytes(ps::kNonceSize);
  // The ECDH secret with the PINNED point: whatever key the card on the link claims, only the
  // card that holds the pinned private key can derive the same session keys.
  auto shared = (*ephemeral)->agree(pinnedCardKey, **rng);
  if (!shared || hostNonce.size() != ps::kNonceSize) {
    return commands_.failure(what, "the pinned card authentication key is not a P-256 point");
  }
  Bytes challenge = hostPoint;
  challenge.insert(challenge.end(), hostNonce.begin(), hostNonce.end());
  auto answer = commands_.send("AUTHENTICATE CARD", kClaProprietary, kInsAuthenticateCard, 0x00,
                               0x00, challenge, 256);
  if (!answer) return answer.error();
  auto refused = [&](const std::string& why) {
    CardError error = commands_.failure("AUTHENTICATE CARD", why);
    error.sw = answer->sw;
    error.notAuthenticated = true;
    return error;
  };
  if (answer->sw != 0x9000) return refused(describeStatusWord(answer->sw));
  if (answer->data.size() != ps::kNonceSize + ps::kReceiptSize) {
    return refused("malformed answer");
  }
  const ByteView data = answer->data;
  const ByteView cardNonce = data.first(ps::kNonceSize);
  auto keys = ps::deriveKeys(shared->view(), pinnedCardKey, hostPoint, hostNonce, cardNonce);
  if (!keys) return commands_.failure(what, "key derivation failed");
  if (!ps::receiptMatches(*keys, hostPoint, hostNonce, cardNonce, data.subspan(ps::kNonceSize))) {
    return refused("the card's proof does not match the pinned card authentication key");
  }
  const Bytes sealed = ps::sealPin(*keys, reference, textBytes(pin));
  if (sealed.empty()) return commands_.failure(what, "cannot seal the PIN");
  return pinOutcome(
      commands_, what,
      commands_.send(what, kClaProprietary, kInsSecureVerify, 0x00, reference, sealed));
}

CardResult<PinVerification> HomeCardClient::verifyPin1Protected(ByteView pinnedCardKey,
                                                                std::string_view pin) {
  return verifyProtected(kRefPin1, pinnedCardKey, pin);
}

CardResult<PinVerification> HomeCardClient::verifyPin2Protected(ByteView pinnedCardKey,
                                                                std::string_view pin) {
  return verifyProtected(kRefPin2, pinnedCardKey, pin);
}

CardResult<Bytes> HomeCardClient::readCardAuthKey() {
  auto data =
      commands_.run("GET DATA card authentication key", kClaIso, kInsGetData, 0xDF, 0x31, {}, 256);
  if (!data) return data.error();
  auto key = parsePublicKey(HomeKeyRef::kEc, *data);
  if (!key) return commands_.failure("GET DATA card authentication key", "malformed key template");
  return std::move(key->point);
}

CardResult<void> HomeCardClient::finish() {
  // ISO 7816-4 11.5.6: P1 = FF resets the verification status of the reference (PIN2).
  auto response = commands_.run("RESET SECURITY (PIN2)", kClaIso, kInsVerify, 0xFF, kRefPin2);
  if (!response) return response.error();
  return {};
}

CardResult<HomeCardStatus> HomeCardClient::status() {
  auto data = commands_.run("GET DATA status", kClaIso, kInsGetData, 0xDF, 0x01, {}, 256);
  if (!data) return data.error();
  const auto b = parseStatusBytes(*data);
  if (!b || (*b)[1] > 0x02) return commands_.failure("GET DATA status", "malformed status object");
  HomeCardStatus s;
  s.lifecycle = (*b)[0];
  s.security = static_cast<HomeSecurityState>((*b)[1]);
  s.pin1TriesLeft = (*b)[2];
  s.pin2TriesLeft = (*b)[3];
  s.pukTriesLeft = (*b)[4];
  s.hasEcKey = ((*b)[5] & 0x01) != 0;
  s.hasRsaKey = ((*b)[5] & 0x02) != 0;
  return s;
}

CardResult<HomePublicKey> HomeCardClient::readPublicKey(HomeKeyRef key) {
  const char* what = "READ PUBLIC KEY";
  auto data = commands_.run(what, kClaIso, kInsGenerateKeyPair, 0x81, byteOf(key), {}, 256);
  if (!data) return data.error();
  auto parsed = parsePublicKey(key, *data);
  if (!parsed) return commands_.failure(what, "malformed public key template");
  return std::move(*parsed);
}

CardResult<HomePublicKey> HomeCardClient::generateKey(HomeKeyRef key) {
  const char* what = "GENERATE KEY PAIR";
  auto data = commands_.run(what, kClaIso, kInsGenerateKeyPair, 0x80, byteOf(key), {}, 256);
  if (!data) return data.error();
  auto parsed = parsePublicKey(key, *data);
  if (!parsed) return commands_.failure(what, "malformed public key template");
  return std::move(*parsed);
}

CardResult<Bytes> HomeCardClient::sign(HomeKeyRef key, ByteView hash) {
  // MSE SET and PSO must reach the card back to back: another thread's MSE in between would
  // make the card sign with the other key.
  std::lock_guard lock(commands_.mutex());
  // ISO 7816-4 11.5.11: P1 = 41 SET for computation, P2 = B6 digital signature template.
  const Bytes keyReference = base::makeTlv(0x84, Bytes{byteOf(key)});
  auto set = commands_.run("MANAGE SECURITY ENVIRONMENT", kClaIso, kInsManageSecurityEnvironment,
                           0x41, 0xB6, keyReference);
  if (!set) return set.error();
  return commands_.run("PSO: COMPUTE DIGITAL SIGNATURE", kClaIso, kInsPerformSecurityOperation,
                       0x9E, 0x9A, hash, 256);
}

CardResult<Bytes> HomeCardClient::getCertificate(HomeKeyRef key) {
  const uint16_t tag = certificateTag(key);
  return commands_.run("GET DATA certificate", kClaIso, kInsGetData, static_cast<uint8_t>(tag >> 8),
                       static_cast<uint8_t>(tag), {}, kReadAll);
}

CardResult<void> HomeCardClient::putCertificate(HomeKeyRef key, ByteView der) {
  const uint16_t tag = certificateTag(key);
  auto done = commands_.run("PUT DATA certificate", kClaIso, kInsPutData,
                            static_cast<uint8_t>(tag >> 8), static_cast<uint8_t>(tag), der);
  if (!done) return done.error();
  return {};
}

CardResult<void> HomeCardClient::registryAdd(HomeRegistry registry, ByteView id, ByteView point) {
  Bytes data = base::makeTlv(0xC0, id);
  base::appendTlv(data, 0xC1, point);
  auto done =
      commands_.run("REGISTRY ADD", kClaProprietary, kInsRegistryAdd, byteOf(registry), 0x00, data);
  if (!done) return done.error();
  return {};
}

CardResult<void> HomeCardClient::registryRemove(HomeRegistry registry, ByteView id) {
  auto done = commands_.run("REGISTRY DELETE", kClaProprietary, kInsRegistryDelete,
                            byteOf(registry), 0x00, id);
  if (!done) return done.error();
  return {};
}

CardResult<std::vector<HomeRegistryEntry>> HomeCardClient::registryList(HomeRegistry registry) {
  const char* what = "REGISTRY LIST";
  auto data =
      commands_.run(what, kClaProprietary, kInsRegistryList, byteOf(registry), 0x00, {}, kReadAll);
  if (!data) return data.error();
  auto entries = base::parseTlvs(*data);
  if (!entries) return commands_.failure(what, "malformed registry list");
  std::vector<HomeRegistryEntry> out;
  for (const base::Tlv& entry : *entries) {
    auto inner = base::parseTlvs(entry.value);
    const Bytes* id = inner ? base::findTlv(*inner, 0xC0) : nullptr;
    const Bytes* point = inner ? base::findTlv(*inner, 0xC1) : nullptr;
    if (entry.tag != 0xE1 || id == nullptr || point == nullptr) {
      return commands_.failure(what, "malformed registry entry");
    }
    out.push_back(HomeRegistryEntry{*id, *point});
  }
  return out;
}

CardResult<Bytes> HomeCardClient::registryGet(HomeRegistry registry, ByteView id) {
  const char* what = "REGISTRY GET";
  auto data =
      commands_.run(what, kClaProprietary, kInsRegistryGet, byteOf(registry), 0x00, id, 256);
  if (!data) return data.error();
  auto tlvs = base::parseTlvs(*data);
  const Bytes* point = tlvs ? base::findTlv(*tlvs, 0xC1) : nullptr;
  if (point == nullptr || point->size() != 65) {
    return commands_.failure(what, "malformed registry entry");
  }
  return *point;
}

CardResult<std::array<uint8_t, protocol::purse::kPurseIdSize>> HomeCardClient::purseInit(
    std::string_view currency, uint64_t maxBalance) {
  const char* what = "PURSE INIT";
  if (!protocol::purse::validCurrency(currency) || maxBalance == 0) {
    return commands_.failure(what, "the currency must be 3 upper-case letters, the maximum > 0");
  }
  base::ByteWriter w;
  w.raw(textBytes(currency));
  w.u64(maxBalance);
  auto data = commands_.run(what, kClaProprietary, kInsPurseInit, 0x00, 0x00, w.take(), 256);
  if (!data) return data.error();
  std::array<uint8_t, protocol::purse::kPurseIdSize> id{};
  if (data->size() != id.size()) return commands_.failure(what, "malformed purse ID");
  std::copy(data->begin(), data->end(), id.begin());
  return id;
}

CardResult<PurseStatus> HomeCardClient::purseStatus() {
  const char* what = "PURSE STATUS";
  auto data = commands_.run(what, kClaIso, kInsGetData, 0xDF, 0x40, {}, 256);
  if (!data) return data.error();
  if (data->size() != kPurseStatusSize) return commands_.failure(what, "malformed purse status");
  base::ByteReader r(*data);
  PurseStatus s;
  for (uint8_t& b : s.purseId) b = r.u8();
  for (size_t i = 0; i < protocol::purse::kCurrencySize; ++i) {
    s.currency.push_back(static_cast<char>(r.u8()));
  }
  s.balance = r.u64();
  s.maxBalance = r.u64();
  s.lastTxn = r.u32();
  s.creditSeq = r.u32();
  s.oldestLoggedTxn = r.u32();
  if (!r.ok() || !protocol::purse::validCurrency(s.currency)) {
    return commands_.failure(what, "malformed purse status");
  }
  return s;
}

CardResult<Bytes> HomeCardClient::debit(uint64_t timeMs, ByteView shopId, ByteView orderRef,
                                        std::string_view currency, uint64_t amount) {
  const char* what = "DEBIT";
  if (shopId.empty() || shopId.size() > protocol::purse::kMaxPartyIdSize || orderRef.empty() ||
      orderRef.size() > protocol::purse::kMaxReferenceSize ||
      !protocol::purse::validCurrency(currency) || amount == 0) {
    return commands_.failure(what,
                             "shop ID and order reference 1-32 bytes, currency 3 letters, "
                             "amount > 0");
  }
  base::ByteWriter w;
  w.u64(timeMs);
  putId(w, shopId);
  putId(w, orderRef);
  w.raw(textBytes(currency));
  w.u64(amount);
  return commands_.run(what, kClaProprietary, kInsDebit, 0x00, 0x00, w.take(), 256);
}

CardResult<Bytes> HomeCardClient::credit(uint64_t timeMs, ByteView signedVoucher) {
  base::ByteWriter w;
  w.u64(timeMs);
  w.raw(signedVoucher);
  return commands_.run("CREDIT", kClaProprietary, kInsCredit, 0x00, 0x00, w.take(), 256);
}

CardResult<Bytes> HomeCardClient::cancel(uint64_t timeMs, ByteView signedCancellation) {
  base::ByteWriter w;
  w.u64(timeMs);
  w.raw(signedCancellation);
  return commands_.run("CANCEL", kClaProprietary, kInsCancel, 0x00, 0x00, w.take(), 256);
}

CardResult<std::vector<protocol::purse::LogEntry>> HomeCardClient::readLog(uint32_t fromTxn) {
  const char* what = "READ LOG";
  std::vector<protocol::purse::LogEntry> out;
  uint32_t next = fromTxn;
  // One page per command (up to 256 bytes, 2-6 entries); ends with an empty page. The log holds
  // at most 64 entries, so the loop is bounded; a page that does not move forward is an error.
  while (true) {
    base::ByteWriter w;
    w.u32(next);
    auto page = commands_.run(what, kClaProprietary, kInsReadLog, 0x00, 0x00, w.take(), 256);
    if (!page) return page.error();
    if (page->empty()) return out;
    size_t pos = 0;
    while (pos < page->size()) {
      const size_t n = (*page)[pos];
      if (pos + 1 + n > page->size()) return commands_.failure(what, "malformed log page");
      auto entry = protocol::purse::decodeLogEntry(ByteView(*page).subspan(pos + 1, n));
      if (!entry || entry->txn < next) return commands_.failure(what, "malformed log entry");
      next = entry->txn + 1;
      out.push_back(std::move(*entry));
      pos += 1 + n;
    }
    if (next == 0) return out;  // txn 0xFFFFFFFF was the last one possible
  }
}

}  // namespace hp::card_adapters
