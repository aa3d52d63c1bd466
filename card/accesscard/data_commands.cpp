// ACTIVATE, PUT DATA and GET DATA (ISO 7816-4 clauses 11.4.3 / 11.4.6 with P1-P2 = the tag).
// GET DATA answers with the value of the object, without its DFxx tag and length.
// DF 34 (the channel ticket of protocol v1) is gone: the resumption ticket lives in the card's
// RAM and never leaves it (channel_commands.cpp), so GET and PUT DATA DF 34 answer 6A88.
#include "card/accesscard/access_card_applet.hpp"
#include "card/accesscard/data_objects.hpp"

namespace hp::card::accesscard {

using card::runtime::Response;
namespace sw = protocol::apdu::sw;

namespace {
bool isPutDataTag(uint16_t tag) {
  return tag >= objects::kTagTerminalId && tag <= objects::kTagTerminalProfile;
}
}  // namespace

Response AccessCardApplet::activate(const protocol::apdu::CommandApdu& cmd) {
  if (cmd.p1p2() != 0x0000) return Response::status(sw::kIncorrectP1P2);
  // ISO 7816-9 ACTIVATE FILE, used here for the whole applet: a one-way step out of
  // personalization, allowed only once everything a terminal needs is in place.
  if (!personalizing() || !state().readyForActivation()) {
    return Response::status(sw::kConditionsNotSatisfied);
  }
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  if (!update([](AccessCardState& s) { s.lifecycle = Lifecycle::kOperational; })) {
    return Response::status(sw::kMemoryFailure);
  }
  return Response::status(sw::kOk);
}

Response AccessCardApplet::putData(const protocol::apdu::CommandApdu& cmd) {
  const uint16_t tag = cmd.p1p2();
  // Issue 8 item 1: no host-readable (or host-writable) ticket exists any more.
  if (tag == objects::kTagChannelTicket) return Response::status(sw::kReferencedDataNotFound);
  if (!isPutDataTag(tag)) return Response::status(sw::kIncorrectP1P2);
  if (!mayAdminister()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (cmd.data.empty()) return Response::status(sw::kWrongLength);
  const ByteView value = cmd.data;
  bool stored = false;
  switch (tag) {
    case objects::kTagTerminalId:
      if (!objects::isValidTerminalId(value)) return Response::status(sw::kWrongData);
      stored = update([&](AccessCardState& s) { s.terminalId.assign(value.begin(), value.end()); });
      break;
    case objects::kTagHomeServerKey:
      if (!objects::isValidP256Point(value)) return Response::status(sw::kWrongData);
      stored =
          update([&](AccessCardState& s) { s.homeServerKey.assign(value.begin(), value.end()); });
      break;
    case objects::kTagHomeServerAddress:
      if (!objects::isValidHomeServerAddress(value)) return Response::status(sw::kWrongData);
      stored = update(
          [&](AccessCardState& s) { s.homeServerAddress.assign(value.begin(), value.end()); });
      break;
    default: {
      auto profile = objects::canonicalTerminalProfile(value);
      if (!profile) return Response::status(sw::kWrongData);
      stored = update([&](AccessCardState& s) { s.terminalProfile = std::move(*profile); });
      break;
    }
  }
  return Response::status(stored ? sw::kOk : sw::kMemoryFailure);
}

Response AccessCardApplet::getData(const protocol::apdu::CommandApdu& cmd) {
  const uint16_t tag = cmd.p1p2();
  if (tag == objects::kTagChannelTicket) return Response::status(sw::kReferencedDataNotFound);
  if (tag != objects::kTagStatus && !isPutDataTag(tag)) {
    return Response::status(sw::kIncorrectP1P2);
  }
  // The status and the profile are public: the terminal lays out its PIN prompt from them
  // before anyone has unlocked anything.
  const bool isPublic = tag == objects::kTagStatus || tag == objects::kTagTerminalProfile;
  if (!isPublic && !unlocked()) return Response::status(sw::kSecurityStatusNotSatisfied);
  if (!cmd.data.empty()) return Response::status(sw::kWrongLength);
  const Bytes* value = nullptr;
  switch (tag) {
    case objects::kTagStatus:
      return Response::read(statusObject());
    case objects::kTagTerminalId:
      value = &state().terminalId;
      break;
    case objects::kTagHomeServerKey:
      value = &state().homeServerKey;
      break;
    case objects::kTagHomeServerAddress:
      value = &state().homeServerAddress;
      break;
    default:
      value = &state().terminalProfile;
      break;
  }
  if (value->empty()) return Response::status(sw::kReferencedDataNotFound);
  return Response::read(*value);
}

Bytes AccessCardApplet::statusObject() const {
  const AccessCardState& s = state();
  uint8_t flags = 0;
  if (s.hasKey()) flags |= objects::kFlagKey;
  if (s.biometric.enrolled) flags |= objects::kFlagTemplate;
  if (!s.terminalId.empty()) flags |= objects::kFlagTerminalId;
  if (!s.homeServerKey.empty()) flags |= objects::kFlagHomeKey;
  if (!s.homeServerAddress.empty()) flags |= objects::kFlagHomeAddress;
  if (!s.terminalProfile.empty()) flags |= objects::kFlagProfile;
  return {0x80, 0x01, static_cast<uint8_t>(s.lifecycle),
          0x81, 0x01, static_cast<uint8_t>(security_),
          0x82, 0x01, s.pin.triesLeft,
          0x83, 0x01, s.biometric.triesLeft,
          0x84, 0x01, s.puk.triesLeft,
          0x85, 0x01, flags};
}

}  // namespace hp::card::accesscard
