#include "card/homecard/home_card_state.hpp"

#include <algorithm>

#include "base/byte_codec.hpp"

namespace hp::card::homecard {

namespace {
// "HC" + format version: a state file of another card or an unknown build is refused, not misread.
constexpr uint8_t kMagic[] = {'H', 'C'};
// Version 1 is version 2 without a purse: such images load as cards whose purse is not
// initialized, and are written back as version 2 at the next change.
constexpr uint8_t kFormatVersionWithoutPurse = 1;
// Version 2 is version 3 without the card authentication section (no key).
constexpr uint8_t kFormatVersionWithoutCardAuth = 2;
// Version 3 is version 4 without the PIN-only counter in the purse section (it loads as 0).
constexpr uint8_t kFormatVersionWithoutPinOnlySpent = 3;

// Section tags: each part of the image is announced, so a misaligned image fails fast.
constexpr uint8_t kSectionPins = 0x01;
constexpr uint8_t kSectionKeys = 0x02;
constexpr uint8_t kSectionCertificates = 0x03;
constexpr uint8_t kSectionRegistries = 0x04;
constexpr uint8_t kSectionPurse = 0x05;
constexpr uint8_t kSectionCardAuth = 0x06;
constexpr size_t kMaxPurseSection = 8192;

bool validPin(const card::runtime::PinRecord& p) {
  return p.maxTries == card::runtime::PinRecord::kDefaultTries && p.triesLeft <= p.maxTries &&
         (p.set || p.triesLeft == p.maxTries);
}

SecretBytes readSecret(base::ByteReader& r, size_t maxSize) {
  Bytes b = r.blob(maxSize);
  SecretBytes s(b);
  secureWipe(b);
  return s;
}

bool validRegistry(const std::vector<RegistryEntry>& entries) {
  if (entries.size() > kMaxRegistryEntries) return false;
  for (size_t i = 0; i < entries.size(); ++i) {
    const RegistryEntry& e = entries[i];
    if (e.id.empty() || e.id.size() > kMaxRegistryIdSize) return false;
    if (e.point.size() != kRegistryPointSize || e.point[0] != 0x04) return false;
    for (size_t j = 0; j < i; ++j) {
      if (entries[j].id == e.id) return false;
    }
  }
  return true;
}
}  // namespace

Bytes HomeCardState::serialize() const {
  base::ByteWriter w;
  w.raw(kMagic);
  w.u8(kFormatVersion);
  w.u8(static_cast<uint8_t>(lifecycle));

  w.u8(kSectionPins);
  pin1.write(w);
  pin2.write(w);
  puk.write(w);

  w.u8(kSectionKeys);
  w.blob(ecPrivate.view());
  w.blob(rsaP.view());
  w.blob(rsaQ.view());
  w.blob(rsaE);

  w.u8(kSectionCertificates);
  for (const Bytes& c : certificates) w.blob(c);

  w.u8(kSectionRegistries);
  for (const auto& registry : registries) {
    w.u8(static_cast<uint8_t>(registry.size()));
    for (const RegistryEntry& e : registry) {
      w.blob(e.id);
      w.blob(e.point);
    }
  }

  w.u8(kSectionPurse);
  w.blob(purse.serialize());

  w.u8(kSectionCardAuth);
  w.blob(cardAuthPrivate.view());
  return w.take();
}

std::optional<HomeCardState> HomeCardState::deserialize(ByteView image) {
  base::ByteReader r(image);
  HomeCardState s;
  if (r.u8() != kMagic[0] || r.u8() != kMagic[1]) return std::nullopt;
  const uint8_t version = r.u8();
  if (version != kFormatVersion && version != kFormatVersionWithoutPurse &&
      version != kFormatVersionWithoutCardAuth && version != kFormatVersionWithoutPinOnlySpent) {
    return std::nullopt;
  }
  const uint8_t lifecycle = r.u8();
  if (lifecycle != static_cast<uint8_t>(Lifecycle::kPersonalization) &&
      lifecycle != static_cast<uint8_t>(Lifecycle::kOperational)) {
    return std::nullopt;
  }
  s.lifecycle = static_cast<Lifecycle>(lifecycle);

  if (r.u8() != kSectionPins) return std::nullopt;
  s.pin1 = card::runtime::PinRecord::read(r);
  s.pin2 = card::runtime::PinRecord::read(r);
  s.puk = card::runtime::PinRecord::read(r);
  if (!validPin(s.pin1) || !validPin(s.pin2) || !validPin(s.puk)) return std::nullopt;
  // An operational card always has all three references: ACTIVATE requires them.
  if (s.lifecycle == Lifecycle::kOperational && !s.personalized()) return std::nullopt;

  if (r.u8() != kSectionKeys) return std::nullopt;
  s.ecPrivate = readSecret(r, 32);
  s.rsaP = readSecret(r, kRsaPrimeSize);
  s.rsaQ = readSecret(r, kRsaPrimeSize);
  s.rsaE = r.blob(8);
  if (!s.ecPrivate.empty() && s.ecPrivate.size() != 32) return std::nullopt;
  const bool rsaEmpty = s.rsaP.empty() && s.rsaQ.empty() && s.rsaE.empty();
  const bool rsaFull =
      s.rsaP.size() == kRsaPrimeSize && s.rsaQ.size() == kRsaPrimeSize && !s.rsaE.empty();
  if (!rsaEmpty && !rsaFull) return std::nullopt;

  if (r.u8() != kSectionCertificates) return std::nullopt;
  for (Bytes& c : s.certificates) c = r.blob(kMaxCertificateSize);

  if (r.u8() != kSectionRegistries) return std::nullopt;
  for (auto& registry : s.registries) {
    const uint8_t count = r.u8();
    if (count > kMaxRegistryEntries) return std::nullopt;
    for (uint8_t i = 0; i < count && r.ok(); ++i) {
      RegistryEntry e;
      e.id = r.blob(kMaxRegistryIdSize);
      e.point = r.blob(kRegistryPointSize);
      registry.push_back(std::move(e));
    }
    if (r.ok() && !validRegistry(registry)) return std::nullopt;
  }

  if (r.u8() != kSectionPurse) return std::nullopt;
  // Purse section: under 7 KB with a full log of the longest entries.
  const Bytes purseSection = r.blob(version == kFormatVersionWithoutPurse ? 0 : kMaxPurseSection);
  if (!r.ok()) return std::nullopt;
  auto purse = PurseState::deserialize(purseSection, version == kFormatVersion);
  if (!purse) return std::nullopt;
  s.purse = std::move(*purse);

  if (version == kFormatVersion || version == kFormatVersionWithoutPinOnlySpent) {
    if (r.u8() != kSectionCardAuth) return std::nullopt;
    s.cardAuthPrivate = readSecret(r, 32);
    if (!s.cardAuthPrivate.empty() && s.cardAuthPrivate.size() != 32) return std::nullopt;
    // ACTIVATE generates it: a card in personalization never has one.
    if (s.hasCardAuthKey() && s.lifecycle != Lifecycle::kOperational) return std::nullopt;
  }

  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return s;
}

}  // namespace hp::card::homecard
