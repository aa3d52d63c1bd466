// ApduClient: sends commands through any Transport and does the ISO 7816-4 transport work a
// host must do, so callers see one complete answer per command:
//  * response chaining: 61xx -> GET RESPONSE until the card has nothing more (5.3.4),
//  * wrong Le: 6Cxx -> the same command again with Le = xx (5.6),
//  * command chaining: data longer than 255 bytes in 255-byte pieces with CLA | 0x10 (5.3.3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/pcsc_bridge/transport.hpp"

namespace hp::pcsc_bridge {

struct ResponseApdu {
  Bytes data;
  uint16_t sw = 0;
  bool ok() const { return sw == 0x9000; }
};

class ApduClient {
 public:
  // Short APDUs carry at most this much command data; longer data is chained.
  static constexpr size_t kMaxShortData = 255;
  // A card that keeps answering 61xx beyond this is broken (or hostile): stop.
  static constexpr size_t kMaxResponseBytes = 1 << 20;

  explicit ApduClient(Transport& transport) : transport_(transport) {}

  // `ne` is the expected response length Ne: 0 = no Le field, 256 = short Le 00, more than
  // 256 = extended Le. Returns the whole response data (all GET RESPONSE parts) and the final
  // status word; an error only when the transport fails or the card answers malformed.
  Result<ResponseApdu> transmit(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                                ByteView data = {}, uint32_t ne = 0);

  // The same for a command given in wire form (tools, scripts): parsed, then sent as above.
  Result<ResponseApdu> transmit(ByteView rawCommand);

  // SELECT by DF name (ISO 7816-4 12.2.2: P1 = 04, first or only occurrence, FCI asked for).
  Result<ResponseApdu> select(ByteView aid);

  Transport& transport() { return transport_; }

 private:
  Result<ResponseApdu> exchange(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, ByteView data,
                                uint32_t ne);

  Transport& transport_;
};

// Hex helpers for tools: "00 A4 04 00" / "00a40400" -> bytes, with a message naming `what`.
Result<Bytes> parseHex(std::string_view text, std::string_view what);
// "6A82" style.
std::string formatSw(uint16_t sw);
// "<data hex> <SW>" e.g. "0102 9000", or just "9000".
std::string formatResponse(const ResponseApdu& response);

}  // namespace hp::pcsc_bridge
