#include "tools/provision/card_personalization.hpp"

namespace hp::provision {

namespace {

constexpr uint8_t kClaIso = 0x00;
constexpr uint8_t kInsChangeReference = 0x24;
constexpr uint8_t kInsActivate = 0x44;
constexpr uint8_t kInsGenerateKey = 0x47;
constexpr uint8_t kInsPutData = 0xDA;

Error cardError(const card_adapters::CardError& error) {
  return makeError(error.message);
}

// A PIN travels in a SecretBytes so the APDU buffer we build is wiped after use.
Result<void> setReference(card_adapters::CardCommands& commands, const char* what, uint8_t p2,
                          const std::string& value) {
  SecretBytes data(bytesOf(value));
  auto result = commands.run(what, kClaIso, kInsChangeReference, 0x01, p2, data.view());
  if (!result) return cardError(result.error());
  return {};
}

Result<void> run(card_adapters::CardCommands& commands, const char* what, uint8_t ins, uint8_t p1,
                 uint8_t p2, ByteView data = {}, uint32_t ne = 0) {
  auto result = commands.run(what, kClaIso, ins, p1, p2, data, ne);
  if (!result) return cardError(result.error());
  return {};
}

}  // namespace

Bytes encodeProfile(const card_adapters::TerminalProfile& profile) {
  return Bytes{0x80,
               0x01,
               static_cast<uint8_t>(profile.kind),
               0x81,
               0x02,
               static_cast<uint8_t>(profile.columns >> 8),
               static_cast<uint8_t>(profile.columns),
               0x82,
               0x02,
               static_cast<uint8_t>(profile.rows >> 8),
               static_cast<uint8_t>(profile.rows),
               0x83,
               0x01,
               static_cast<uint8_t>(profile.layout)};
}

Result<HomeCardKeys> personalizeHomeCard(card_adapters::HomeCardClient& card,
                                         const HomeCardSecrets& secrets) {
  if (auto selected = card.select(); !selected) return cardError(selected.error());
  auto status = card.status();
  if (!status) return cardError(status.error());
  if (status->operational()) {
    return makeError("the home card is already personalized (hp_provision needs a fresh card)");
  }
  card_adapters::CardCommands& commands = card.commands();
  // Personalization: only CHANGE REFERENCE DATA P1=01, SET INITIAL PUK and ACTIVATE work.
  if (auto r = setReference(commands, "set PIN1", 0x81, secrets.pin1); !r) return r.error();
  if (auto r = setReference(commands, "set PIN2", 0x82, secrets.pin2); !r) return r.error();
  if (auto r = setReference(commands, "set PUK", 0x83, secrets.puk); !r) return r.error();
  if (auto r = run(commands, "ACTIVATE", kInsActivate, 0x00, 0x00); !r) return r.error();

  // ACTIVATE made the card authentication key; the home server pins what we read here. This
  // read trusts the link once (the card is fresh and in the user's hands); from here on the
  // PINs already travel sealed, so a listener on the link learns neither.
  HomeCardKeys keys;
  auto cardAuthKey = card.readCardAuthKey();
  if (!cardAuthKey) return cardError(cardAuthKey.error());
  keys.cardAuthKey = std::move(cardAuthKey.value());

  // Operational: the key is generated in the crypto state (PIN1 then PIN2).
  auto pin1 = card.verifyPin1Protected(keys.cardAuthKey, secrets.pin1);
  if (!pin1) return cardError(pin1.error());
  if (!pin1->verified()) return makeError("home card refused the PIN1 just set");
  auto pin2 = card.verifyPin2Protected(keys.cardAuthKey, secrets.pin2);
  if (!pin2) return cardError(pin2.error());
  if (!pin2->verified()) return makeError("home card refused the PIN2 just set");
  auto key = card.generateKey(card_adapters::HomeKeyRef::kEc);
  if (!key) return cardError(key.error());
  keys.userPoint = key->point;
  return keys;
}

Result<Bytes> personalizeAccessCard(card_adapters::AccessCardClient& card,
                                    const AccessCardSettings& settings) {
  if (auto selected = card.select(); !selected) return cardError(selected.error());
  auto status = card.status();
  if (!status) return cardError(status.error());
  if (status->operational()) {
    return makeError("the access card is already personalized (hp_provision needs a fresh card)");
  }
  card_adapters::CardCommands& commands = card.commands();
  if (auto r = setReference(commands, "set PIN", 0x81, settings.pin); !r) return r.error();
  if (auto r = setReference(commands, "set PUK", 0x83, settings.puk); !r) return r.error();
  if (!settings.biometricTemplate.empty()) {
    // ENROLL BIOMETRIC: 7F2E { 81 20 template, 82 01 threshold }.
    Bytes enrollment{0x81, 0x20};
    enrollment.insert(enrollment.end(), settings.biometricTemplate.begin(),
                      settings.biometricTemplate.end());
    enrollment.insert(enrollment.end(), {0x82, 0x01, settings.biometricThreshold});
    Bytes data{0x7F, 0x2E, static_cast<uint8_t>(enrollment.size())};
    data.insert(data.end(), enrollment.begin(), enrollment.end());
    auto enrolled =
        commands.run("ENROLL BIOMETRIC", kClaIso, kInsChangeReference, 0x01, 0x91, data);
    secureWipe(data.data(), data.size());
    secureWipe(enrollment.data(), enrollment.size());
    if (!enrolled) return cardError(enrolled.error());
  }
  if (auto r = run(commands, "GENERATE KEY PAIR", kInsGenerateKey, 0x80, 0x01, {}, 256); !r) {
    return r.error();
  }
  if (auto r = run(commands, "PUT DATA terminal ID", kInsPutData, 0xDF, 0x30,
                   bytesOf(settings.terminalId));
      !r) {
    return r.error();
  }
  if (auto r = run(commands, "PUT DATA home server key", kInsPutData, 0xDF, 0x31,
                   settings.homeServerKey);
      !r) {
    return r.error();
  }
  if (auto r = run(commands, "PUT DATA home server address", kInsPutData, 0xDF, 0x32,
                   bytesOf(settings.homeServerAddress));
      !r) {
    return r.error();
  }
  if (auto r = run(commands, "PUT DATA profile", kInsPutData, 0xDF, 0x33,
                   encodeProfile(settings.profile));
      !r) {
    return r.error();
  }
  auto point = card.readPublicKey();
  if (!point) return cardError(point.error());
  if (auto r = run(commands, "ACTIVATE", kInsActivate, 0x00, 0x00); !r) return r.error();
  return point.value();
}

}  // namespace hp::provision
