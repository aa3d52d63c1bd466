#include "host/card_adapters/access_card_client.hpp"

#include "base/tlv.hpp"
#include "protocol/channel/channel_key_schedule.hpp"

namespace hp::card_adapters {

namespace {
constexpr uint8_t kClaIso = 0x00;
constexpr uint8_t kClaProprietary = 0x80;
constexpr uint8_t kInsVerify = 0x20;
constexpr uint8_t kInsVerifyBiometric = 0x21;
constexpr uint8_t kInsPerformSecurityOperation = 0x2A;
constexpr uint8_t kInsGenerateKeyPair = 0x47;
constexpr uint8_t kInsPrepareShare = 0x50;
constexpr uint8_t kInsKeyAgreement = 0x52;
constexpr uint8_t kInsPrepareResume = 0x54;
constexpr uint8_t kInsResumeAgreement = 0x56;
constexpr uint8_t kInsGetData = 0xCA;
constexpr uint8_t kTagStatus = 0x01;  // DF 01
constexpr uint8_t kTagTerminalId = 0x30;
constexpr uint8_t kTagHomeServerKey = 0x31;
constexpr uint8_t kTagHomeServerAddress = 0x32;
constexpr uint8_t kTagTerminalProfile = 0x33;
constexpr uint16_t kReferenceDataNotFound = 0x6A88;

std::string textOf(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

uint16_t u16Of(const Bytes& b) {
  return static_cast<uint16_t>((b[0] << 8) | b[1]);
}

void appendU64(Bytes& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
}  // namespace

CardResult<void> AccessCardClient::select() {
  auto response = commands_.run("SELECT", kClaIso, 0xA4, 0x04, 0x00, kAccessCardAid, 256);
  if (!response) return response.error();
  return {};
}

CardResult<PinVerification> AccessCardClient::verifyPin(std::string_view pin) {
  const char* what = "VERIFY PIN";
  if (!isPinFormat(pin)) return commands_.failure(what, "a PIN is 4-8 digits (no try used)");
  SecretBytes data(ByteView(reinterpret_cast<const uint8_t*>(pin.data()), pin.size()));
  return pinOutcome(commands_, what,
                    commands_.send(what, kClaIso, kInsVerify, 0x00, 0x81, data.view()));
}

CardResult<PinVerification> AccessCardClient::verifyBiometric(ByteView sample) {
  const char* what = "VERIFY BIOMETRIC";
  if (sample.size() != kBiometricSampleSize) {
    return commands_.failure(what, "a biometric sample is a 32-byte code");
  }
  // 7F2E { 81 20 <sample> } (apdu_specs/accesscard.json).
  Bytes data = base::makeTlv(0x7F2E, base::makeTlv(0x81, sample));
  auto response = commands_.send(what, kClaIso, kInsVerifyBiometric, 0x00, 0x91, data);
  secureWipe(data);
  return pinOutcome(commands_, what, std::move(response));
}

CardResult<void> AccessCardClient::lock() {
  auto done = commands_.run("LOCK", kClaIso, kInsVerify, 0xFF, 0x81);
  if (!done) return done.error();
  return {};
}

CardResult<Bytes> AccessCardClient::getData(const char* what, uint8_t tag) {
  return commands_.run(what, kClaIso, kInsGetData, 0xDF, tag, {}, 256);
}

CardResult<AccessCardStatus> AccessCardClient::status() {
  const char* what = "GET DATA status";
  auto data = getData(what, kTagStatus);
  if (!data) return data.error();
  const auto b = parseStatusBytes(*data);
  if (!b || (*b)[1] > 0x02) return commands_.failure(what, "malformed status object");
  return AccessCardStatus{
      (*b)[0], static_cast<AccessSecurityState>((*b)[1]), (*b)[2], (*b)[3], (*b)[4], (*b)[5]};
}

CardResult<TerminalProfile> AccessCardClient::profile() {
  const char* what = "GET DATA terminal profile";
  auto data = getData(what, kTagTerminalProfile);
  if (!data) return data.error();
  auto tlvs = base::parseTlvs(*data);
  const Bytes* kind = tlvs ? base::findTlv(*tlvs, 0x80) : nullptr;
  const Bytes* columns = tlvs ? base::findTlv(*tlvs, 0x81) : nullptr;
  const Bytes* rows = tlvs ? base::findTlv(*tlvs, 0x82) : nullptr;
  const Bytes* layout = tlvs ? base::findTlv(*tlvs, 0x83) : nullptr;
  if (kind == nullptr || columns == nullptr || rows == nullptr || layout == nullptr ||
      kind->size() != 1 || columns->size() != 2 || rows->size() != 2 || layout->size() != 1 ||
      (*kind)[0] < 1 || (*kind)[0] > 3 || (*layout)[0] < 1 || (*layout)[0] > 2) {
    return commands_.failure(what, "malformed terminal profile");
  }
  return TerminalProfile{static_cast<TerminalProfile::Kind>((*kind)[0]), u16Of(*columns),
                         u16Of(*rows), static_cast<TerminalProfile::Layout>((*layout)[0])};
}

CardResult<std::string> AccessCardClient::terminalId() {
  auto data = getData("GET DATA terminal ID", kTagTerminalId);
  if (!data) return data.error();
  return textOf(*data);
}

CardResult<Bytes> AccessCardClient::homeServerKey() {
  auto data = getData("GET DATA home server key", kTagHomeServerKey);
  if (!data) return data.error();
  if (data->size() != 65 || (*data)[0] != 0x04) {
    return commands_.failure("GET DATA home server key", "not an uncompressed P-256 point");
  }
  return std::move(data.value());
}

CardResult<std::string> AccessCardClient::homeServerAddress() {
  auto data = getData("GET DATA home server address", kTagHomeServerAddress);
  if (!data) return data.error();
  return textOf(*data);
}

CardResult<Bytes> AccessCardClient::readPublicKey() {
  const char* what = "READ PUBLIC KEY";
  auto data = commands_.run(what, kClaIso, kInsGenerateKeyPair, 0x81, 0x01, {}, 256);
  if (!data) return data.error();
  auto outer = base::parseTlvs(*data);
  auto inner = outer && outer->size() == 1 && (*outer)[0].tag == 0x7F49
                   ? base::parseTlvs((*outer)[0].value)
                   : std::nullopt;
  const Bytes* point = inner ? base::findTlv(*inner, 0x86) : nullptr;
  if (point == nullptr || point->size() != 65) {
    return commands_.failure(what, "malformed public key template");
  }
  return *point;
}

CardResult<PreparedShare> AccessCardClient::prepareShare(uint64_t createdAtMs,
                                                         uint64_t expiresAtMs) {
  const char* what = "PREPARE SHARE";
  Bytes window;
  appendU64(window, createdAtMs);
  appendU64(window, expiresAtMs);
  auto data = commands_.run(what, kClaProprietary, kInsPrepareShare, 0x00, 0x00, window, 256);
  if (!data) return data.error();
  // 86 41 <point> 9E L <DER signature>
  auto tlvs = base::parseTlvs(*data);
  if (!tlvs || tlvs->size() != 2 || (*tlvs)[0].tag != 0x86 || (*tlvs)[1].tag != 0x9E ||
      (*tlvs)[0].value.size() != 65 || (*tlvs)[1].value.empty()) {
    return commands_.failure(what, "malformed key share");
  }
  return PreparedShare{(*tlvs)[0].value, (*tlvs)[1].value};
}

CardResult<SecretBytes> AccessCardClient::keyAgreement(ByteView serverPoint, ByteView signedHash,
                                                       ByteView serverSignature,
                                                       ByteView keyScheduleHash, ByteView ticketId,
                                                       uint64_t ticketLifetimeMs) {
  const char* what = "KEY AGREEMENT";
  // 86 41 <point> 90 20 <signed hash> 9E L <DER signature> 91 20 <key schedule hash>
  // 92 10 <ticket ID> 93 08 <ticket lifetime ms>
  Bytes command = base::makeTlv(0x86, serverPoint);
  base::appendTlv(command, 0x90, signedHash);
  base::appendTlv(command, 0x9E, serverSignature);
  base::appendTlv(command, 0x91, keyScheduleHash);
  return agreeKeys(what, kInsKeyAgreement, std::move(command), ticketId, ticketLifetimeMs);
}

CardResult<std::optional<ResumeOffer>> AccessCardClient::prepareResume() {
  const char* what = "PREPARE RESUME";
  auto response = commands_.send(what, kClaProprietary, kInsPrepareResume, 0x00, 0x00, {}, 256);
  if (!response) return response.error();
  if (response->sw == kReferenceDataNotFound) return std::optional<ResumeOffer>();
  if (!response->ok()) return commands_.failure(what, response->sw);
  // 92 10 <ticket ID> 86 41 <point>
  auto tlvs = base::parseTlvs(response->data);
  if (!tlvs || tlvs->size() != 2 || (*tlvs)[0].tag != 0x92 || (*tlvs)[1].tag != 0x86 ||
      (*tlvs)[0].value.size() != 16 || (*tlvs)[1].value.size() != 65) {
    return commands_.failure(what, "malformed resumption offer");
  }
  return std::optional<ResumeOffer>(ResumeOffer{(*tlvs)[0].value, (*tlvs)[1].value});
}

CardResult<SecretBytes> AccessCardClient::resumeAgreement(ByteView serverPoint,
                                                          ByteView transcriptHash,
                                                          ByteView newTicketId,
                                                          uint64_t ticketLifetimeMs) {
  const char* what = "RESUME AGREEMENT";
  // 86 41 <point> 91 20 <transcript hash> 92 10 <new ticket ID> 93 08 <lifetime ms>
  Bytes command = base::makeTlv(0x86, serverPoint);
  base::appendTlv(command, 0x91, transcriptHash);
  return agreeKeys(what, kInsResumeAgreement, std::move(command), newTicketId, ticketLifetimeMs);
}

// The common tail of KEY AGREEMENT and RESUME AGREEMENT: the ticket the card is to keep
// (92 10 <ticket ID> 93 08 <lifetime ms>), then the card's answer, this connection's traffic and
// Finished keys, moved into SecretBytes at once.
CardResult<SecretBytes> AccessCardClient::agreeKeys(const char* what, uint8_t ins, Bytes command,
                                                    ByteView ticketId, uint64_t ticketLifetimeMs) {
  base::appendTlv(command, 0x92, ticketId);
  Bytes lifetime;
  appendU64(lifetime, ticketLifetimeMs);
  base::appendTlv(command, 0x93, lifetime);
  auto data = commands_.run(what, kClaProprietary, ins, 0x00, 0x00, command, 256);
  if (!data) return data.error();
  SecretBytes keys(*data);
  secureWipe(*data);
  if (keys.size() != protocol::channel::kTrafficKeysSize)
    return commands_.failure(what, "keys are not 152 bytes");
  return keys;
}

CardResult<Bytes> AccessCardClient::sign(ByteView hash) {
  return commands_.run("PSO: COMPUTE DIGITAL SIGNATURE", kClaIso, kInsPerformSecurityOperation,
                       0x9E, 0x9A, hash, 256);
}

}  // namespace hp::card_adapters
