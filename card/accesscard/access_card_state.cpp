#include "card/accesscard/access_card_state.hpp"

#include "base/byte_codec.hpp"
#include "card/accesscard/biometric.hpp"
#include "card/accesscard/data_objects.hpp"

namespace hp::card::accesscard {

namespace {
constexpr size_t kScalarSize = 32;

void writeBiometric(base::ByteWriter& w, const BiometricRecord& b) {
  w.boolean(b.enrolled);
  w.u8(b.maxTries);
  w.u8(b.triesLeft);
  w.u8(b.threshold);
  // Fixed size so the layout does not depend on enrollment; zeros when not enrolled.
  for (size_t i = 0; i < bio::kCodeSize; ++i) w.u8(b.enrolled ? b.code.view()[i] : 0);
}

BiometricRecord readBiometric(base::ByteReader& r) {
  BiometricRecord b;
  b.enrolled = r.boolean();
  b.maxTries = r.u8();
  b.triesLeft = r.u8();
  b.threshold = r.u8();
  SecretBytes code(bio::kCodeSize);
  for (size_t i = 0; i < bio::kCodeSize; ++i) code.data()[i] = r.u8();
  if (b.enrolled) b.code = std::move(code);
  return b;
}

bool retryCounterValid(uint8_t maxTries, uint8_t triesLeft, uint8_t expectedMax) {
  return maxTries == expectedMax && triesLeft <= maxTries;
}
}  // namespace

Bytes AccessCardState::serialize() const {
  base::ByteWriter w;
  w.u8(kFormatVersion);
  w.u8(static_cast<uint8_t>(lifecycle));
  pin.write(w);
  puk.write(w);
  writeBiometric(w, biometric);
  w.blob(terminalPrivateKey.view());
  w.blob(terminalId);
  w.blob(homeServerKey);
  w.blob(homeServerAddress);
  w.blob(terminalProfile);
  return w.take();
}

std::optional<AccessCardState> AccessCardState::deserialize(ByteView image) {
  base::ByteReader r(image);
  const uint8_t version = r.u8();
  if (version != kFormatVersion && version != kFormatVersionWithTicket &&
      version != kFormatVersionWithoutTicket) {
    return std::nullopt;
  }
  AccessCardState s;
  const uint8_t lifecycle = r.u8();
  s.pin = card::runtime::PinRecord::read(r);
  s.puk = card::runtime::PinRecord::read(r);
  s.biometric = readBiometric(r);
  Bytes scalar = r.blob(kScalarSize);
  s.terminalPrivateKey = SecretBytes(scalar);
  secureWipe(scalar);
  s.terminalId = r.blob(objects::kMaxTerminalIdSize);
  s.homeServerKey = r.blob(objects::kPointSize);
  s.homeServerAddress = r.blob(objects::kMaxAddressSize);
  s.terminalProfile = r.blob(64);
  if (version == kFormatVersionWithTicket) {
    // A protocol v1 ticket (it held a resumption secret): read past, wiped, never kept.
    Bytes ticket = r.blob(objects::kMaxChannelTicketSize);
    secureWipe(ticket);
  }
  if (!r.ok() || !r.atEnd()) return std::nullopt;

  // Every field must be one the card itself could have written.
  if (lifecycle != static_cast<uint8_t>(Lifecycle::kPersonalization) &&
      lifecycle != static_cast<uint8_t>(Lifecycle::kOperational)) {
    return std::nullopt;
  }
  s.lifecycle = static_cast<Lifecycle>(lifecycle);
  if (!retryCounterValid(s.pin.maxTries, s.pin.triesLeft,
                         card::runtime::PinRecord::kDefaultTries) ||
      !retryCounterValid(s.puk.maxTries, s.puk.triesLeft,
                         card::runtime::PinRecord::kDefaultTries) ||
      !retryCounterValid(s.biometric.maxTries, s.biometric.triesLeft,
                         BiometricRecord::kDefaultTries) ||
      s.biometric.threshold > bio::kMaxThreshold) {
    return std::nullopt;
  }
  if (!s.terminalPrivateKey.empty() && s.terminalPrivateKey.size() != kScalarSize) {
    return std::nullopt;
  }
  if (!s.terminalId.empty() && !objects::isValidTerminalId(s.terminalId)) return std::nullopt;
  if (!s.homeServerKey.empty() && !objects::isValidP256Point(s.homeServerKey)) return std::nullopt;
  if (!s.homeServerAddress.empty() && !objects::isValidHomeServerAddress(s.homeServerAddress)) {
    return std::nullopt;
  }
  if (!s.terminalProfile.empty()) {
    auto canonical = objects::canonicalTerminalProfile(s.terminalProfile);
    if (!canonical || *canonical != s.terminalProfile) return std::nullopt;
  }
  if (s.lifecycle == Lifecycle::kOperational && !s.readyForActivation()) return std::nullopt;
  return s;
}

}  // namespace hp::card::accesscard
