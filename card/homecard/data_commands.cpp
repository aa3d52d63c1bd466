// PUT DATA / GET DATA: the user's certificates and the card status (the purse status, DF 40,
// is answered in purse_commands.cpp).
#include "base/tlv.hpp"
#include "card/homecard/home_card_applet.hpp"
#include "card/homecard/home_card_ins.hpp"

namespace hp::card::homecard {

using card::runtime::Response;
using protocol::apdu::CommandApdu;
namespace sw = protocol::apdu::sw;

namespace {
constexpr uint8_t kTagSequence = 0x30;

// Index into HomeCardState::certificates for a certificate tag, or -1.
int certificateIndex(uint16_t tag) {
  if (tag == kTagCertificateEc) return 0;
  if (tag == kTagCertificateRsa) return 1;
  return -1;
}

// A DER certificate is one SEQUENCE that fills the data exactly; anything else is refused so
// a truncated upload (a broken chain) is never stored as if it were a certificate.
bool isSingleDerSequence(ByteView data) {
  if (data.empty() || data[0] != kTagSequence) return false;
  const auto tlvs = base::parseTlvs(data);
  return tlvs && tlvs->size() == 1 && (*tlvs)[0].tag == kTagSequence;
}
}  // namespace

Bytes HomeCardApplet::statusTemplate() const {
  const HomeCardState& s = state();
  const uint8_t keys =
      static_cast<uint8_t>((s.hasEcKey() ? kKeyEc : 0) | (s.hasRsaKey() ? kKeyRsa : 0));
  return Bytes{0x80, 0x01, static_cast<uint8_t>(s.lifecycle),
               0x81, 0x01, static_cast<uint8_t>(security_),
               0x82, 0x01, s.pin1.triesLeft,
               0x83, 0x01, s.pin2.triesLeft,
               0x84, 0x01, s.puk.triesLeft,
               0x85, 0x01, keys};
}

Response HomeCardApplet::putData(const CommandApdu& cmd) {
  // ISO 7816-4 11.4.6: P1-P2 is the tag of the data object to store.
  const int index = certificateIndex(cmd.p1p2());
  if (index < 0) return Response::status(sw::kIncorrectP1P2);
  if (!pin1Verified()) return Response::status(sw::kSecurityStatusNotSatisfied);
  // Empty data deletes the certificate; otherwise it must be one DER SEQUENCE.
  if (cmd.data.size() > kMaxCertificateSize) return Response::status(sw::kNotEnoughMemory);
  if (!cmd.data.empty() && !isSingleDerSequence(cmd.data)) return Response::status(sw::kWrongData);
  const bool stored =
      update([&](HomeCardState& s) { s.certificates[static_cast<size_t>(index)] = cmd.data; });
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

Response HomeCardApplet::getData(const CommandApdu& cmd) {
  // ISO 7816-4 11.4.3: P1-P2 is the tag of the data object to read.
  const uint16_t tag = cmd.p1p2();
  if (tag == kTagPurseStatus) return purseStatusCommand(cmd);
  if (tag == kTagCardAuthKey) {
    if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
    const Bytes key = cardAuthKeyTemplate();
    return key.empty() ? Response::status(sw::kReferencedDataNotFound) : Response::read(key);
  }
  const int index = certificateIndex(tag);
  if (tag != kTagStatus && index < 0) return Response::status(sw::kIncorrectP1P2);
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  if (tag == kTagStatus) return Response::read(statusTemplate());
  const Bytes& certificate = state().certificates[static_cast<size_t>(index)];
  if (certificate.empty()) return Response::status(sw::kReferencedDataNotFound);
  return Response::read(certificate);
}

}  // namespace hp::card::homecard
