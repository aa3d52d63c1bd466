// Parsing of command APDUs per ISO/IEC 7816-4:2020 clause 5.2 (cases 1-4, short and extended).
#pragma once

#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/apdu/status_word.hpp"

namespace hp::protocol::apdu {

enum class ApduCase : uint8_t { k1 = 1, k2 = 2, k3 = 3, k4 = 4 };

struct CommandApdu {
  uint8_t cla = 0;
  uint8_t ins = 0;
  uint8_t p1 = 0;
  uint8_t p2 = 0;
  Bytes data;       // Nc bytes of command data (empty for cases 1 and 2)
  uint32_t ne = 0;  // maximum response length Ne: 0 = none, up to 256 short / 65536 extended
  ApduCase apduCase = ApduCase::k1;
  bool extended = false;

  bool chained() const { return (cla & 0x10) != 0; }
  uint16_t p1p2() const { return static_cast<uint16_t>((p1 << 8) | p2); }
};

// Parses one command APDU. Every malformed length field gives 6700 (wrong length), so any
// byte string gets a valid status word.
Result<CommandApdu, StatusWord> parseCommandApdu(ByteView raw);

// Builds the wire form of a command APDU, choosing short or extended encoding as needed.
// Used by the host side and by tests; ne == 0 means no Le field.
Bytes encodeCommandApdu(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, ByteView data,
                        uint32_t ne, bool forceExtended = false);

}  // namespace hp::protocol::apdu
