#include "host/card_adapters/card_commands.hpp"

#include "base/tlv.hpp"

namespace hp::card_adapters {

std::string describeStatusWord(uint16_t sw) {
  if ((sw & 0xFFF0) == 0x63C0) {
    return "verification failed, " + std::to_string(sw & 0x0F) + " tries left";
  }
  switch (sw) {
    case 0x9000:
      return "success";
    case 0x6300:
      return "authentication failed (a signature the card checks is wrong)";
    case 0x6581:
      return "memory failure (nothing was changed)";
    case 0x6700:
      return "wrong length";
    case 0x6982:
      return "security status not satisfied";
    case 0x6983:
      return "authentication method blocked";
    case 0x6985:
      return "conditions of use not satisfied";
    case 0x6A80:
      return "incorrect data";
    case 0x6A84:
      return "not enough memory";
    case 0x6A86:
      return "incorrect P1-P2";
    case 0x6A88:
      return "referenced data not found";
    case 0x6A89:
      return "data object already exists";
    case 0x6A82:
      return "application not found";
    case 0x6D00:
      return "instruction not supported";
    case 0x6E00:
      return "class not supported";
    case 0x6F00:
      return "no precise diagnosis (the card's operation failed)";
    case 0x9401:
      return "insufficient funds";
    case 0x9402:
      return "the maximum balance would be exceeded";
    default:
      return "unexpected status";
  }
}

CardCommands::CardCommands(pcsc_bridge::Transport& transport, std::string cardName)
    : transport_(transport), client_(transport), cardName_(std::move(cardName)) {}

CardResult<pcsc_bridge::ResponseApdu> CardCommands::send(std::string_view what, uint8_t cla,
                                                         uint8_t ins, uint8_t p1, uint8_t p2,
                                                         ByteView data, uint32_t ne) {
  std::lock_guard lock(mutex_);
  ++commandsSent_;
  auto response = client_.transmit(cla, ins, p1, p2, data, ne);
  if (!response) return failure(what, response.error().message);
  return std::move(response.value());
}

CardResult<Bytes> CardCommands::run(std::string_view what, uint8_t cla, uint8_t ins, uint8_t p1,
                                    uint8_t p2, ByteView data, uint32_t ne) {
  auto response = send(what, cla, ins, p1, p2, data, ne);
  if (!response) return response.error();
  if (!response->ok()) return failure(what, response->sw);
  return std::move(response->data);
}

CardError CardCommands::failure(std::string_view what, uint16_t sw) const {
  return CardError{sw, cardName_ + " " + std::string(what) + ": " + describeStatusWord(sw) +
                           " (SW " + pcsc_bridge::formatSw(sw) + ")"};
}

CardError CardCommands::failure(std::string_view what, std::string_view why) const {
  return CardError{0, cardName_ + " " + std::string(what) + ": " + std::string(why)};
}

CardResult<PinVerification> pinOutcome(const CardCommands& commands, std::string_view what,
                                       CardResult<pcsc_bridge::ResponseApdu> response) {
  if (!response) return response.error();
  const uint16_t sw = response->sw;
  // ISO 7816-4 11.5.6: 63Cx = verification failed, x further tries allowed; 6983 = blocked.
  if (sw == 0x9000) return PinVerification{PinVerification::Outcome::kVerified, 0};
  if ((sw & 0xFFF0) == 0x63C0) {
    return PinVerification{PinVerification::Outcome::kWrong, static_cast<uint8_t>(sw & 0x0F)};
  }
  if (sw == 0x6983) return PinVerification{PinVerification::Outcome::kBlocked, 0};
  return commands.failure(what, sw);
}

bool isPinFormat(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 8) return false;
  for (char c : pin) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<std::array<uint8_t, 6>> parseStatusBytes(ByteView statusObject) {
  const auto tlvs = base::parseTlvs(statusObject);
  if (!tlvs) return std::nullopt;
  std::array<uint8_t, 6> out{};
  for (size_t i = 0; i < out.size(); ++i) {
    const Bytes* v = base::findTlv(*tlvs, static_cast<uint16_t>(0x80 + i));
    if (v == nullptr || v->size() != 1) return std::nullopt;
    out[i] = (*v)[0];
  }
  return out;
}

}  // namespace hp::card_adapters
