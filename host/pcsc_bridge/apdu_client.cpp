#include "host/pcsc_bridge/apdu_client.hpp"

#include <cstdio>

#include "protocol/apdu/command_apdu.hpp"

namespace hp::pcsc_bridge {

namespace {
constexpr uint8_t kChainingBit = 0x10;
constexpr uint8_t kInsGetResponse = 0xC0;

uint16_t statusWordOf(const Bytes& raw) {
  return static_cast<uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]);
}
// GET RESPONSE is an interindustry command (ISO 7816-4 5.4.1, 12.6.1): with a proprietary
// class byte (8x/9x) C0 would be the application's own INS. Keep only the logical channel of
// the original command; no chaining, no secure messaging.
uint8_t getResponseClass(uint8_t cla) {
  const bool furtherInterindustry = (cla & 0x40) != 0;  // 4x-7x: channels 4-19 in b4-b1
  return static_cast<uint8_t>(furtherInterindustry ? (cla & 0x4F) : (cla & 0x03));
}
// SW2 of 61xx / 6Cxx: a count where 00 means 256.
uint32_t countOf(uint16_t sw) {
  return (sw & 0xFF) == 0 ? 256 : (sw & 0xFF);
}
}  // namespace

Result<ResponseApdu> ApduClient::transmit(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                                          ByteView data, uint32_t ne) {
  // ISO 7816-4 5.3.3: a chain is a sequence of commands with bit 5 of CLA set on all but the
  // last; each piece must be accepted (9000) before the next one is sent.
  while (data.size() > kMaxShortData) {
    auto piece = exchange(static_cast<uint8_t>(cla | kChainingBit), ins, p1, p2,
                          data.first(kMaxShortData), 0);
    if (!piece) return piece;
    if (!piece->ok()) return piece;  // the card refused the chain: its answer is the answer
    data = data.subspan(kMaxShortData);
  }
  return exchange(cla, ins, p1, p2, data, ne);
}

Result<ResponseApdu> ApduClient::transmit(ByteView rawCommand) {
  auto parsed = protocol::apdu::parseCommandApdu(rawCommand);
  if (!parsed) {
    char sw[8];
    std::snprintf(sw, sizeof sw, "%04X", parsed.error());
    return makeError("malformed command APDU " + toSpacedHex(rawCommand) + " (would get " + sw +
                     ")");
  }
  const protocol::apdu::CommandApdu& c = parsed.value();
  return transmit(c.cla, c.ins, c.p1, c.p2, c.data, c.ne);
}

Result<ResponseApdu> ApduClient::select(ByteView aid) {
  return transmit(0x00, 0xA4, 0x04, 0x00, aid, 256);
}

Result<ResponseApdu> ApduClient::exchange(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                                          ByteView data, uint32_t ne) {
  ResponseApdu result;
  Bytes command = protocol::apdu::encodeCommandApdu(cla, ins, p1, p2, data, ne);
  bool leCorrected = false;
  for (;;) {
    auto raw = transport_.transmitRaw(command);
    secureWipe(command);  // command data may hold a PIN
    if (!raw) return raw.error();
    if (raw->size() < 2) {
      return makeError(transport_.describe() + ": response of " + std::to_string(raw->size()) +
                       " byte(s) has no status word");
    }
    const uint16_t sw = statusWordOf(*raw);
    const uint8_t sw1 = static_cast<uint8_t>(sw >> 8);
    if (sw1 == 0x6C) {
      // ISO 7816-4 5.6: 6Cxx = wrong Le, xx is the exact length: send the same command again
      // with Le = xx. Once: a card answering 6Cxx to its own Le is not going to change its mind.
      if (leCorrected) {
        return makeError(transport_.describe() + ": card answered " + formatSw(sw) +
                         " again after the Le correction");
      }
      leCorrected = true;
      command = protocol::apdu::encodeCommandApdu(cla, ins, p1, p2, data, countOf(sw));
      secureWipe(*raw);
      continue;
    }
    result.data.insert(result.data.end(), raw->begin(), raw->end() - 2);
    secureWipe(*raw);
    if (sw1 == 0x61) {
      // ISO 7816-4 5.3.4 / 12.6.1: 61xx = more bytes; fetch them with GET RESPONSE (Le = xx)
      // and keep accumulating.
      if (result.data.size() > kMaxResponseBytes) {
        return makeError(transport_.describe() + ": card keeps answering 61xx beyond " +
                         std::to_string(kMaxResponseBytes) + " bytes");
      }
      cla = getResponseClass(cla);
      ins = kInsGetResponse;
      p1 = 0;
      p2 = 0;
      data = {};
      command = protocol::apdu::encodeCommandApdu(cla, ins, p1, p2, {}, countOf(sw));
      leCorrected = false;
      continue;
    }
    result.sw = sw;
    return result;
  }
}

Result<Bytes> parseHex(std::string_view text, std::string_view what) {
  auto bytes = fromHex(text);
  if (!bytes) return makeError(std::string(what) + ": not hex: '" + std::string(text) + "'");
  return std::move(*bytes);
}

std::string formatSw(uint16_t sw) {
  char text[8];
  std::snprintf(text, sizeof text, "%04X", sw);
  return text;
}

std::string formatResponse(const ResponseApdu& response) {
  if (response.data.empty()) return formatSw(response.sw);
  return toSpacedHex(response.data) + " " + formatSw(response.sw);
}

}  // namespace hp::pcsc_bridge
