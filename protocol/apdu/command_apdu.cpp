#include "protocol/apdu/command_apdu.hpp"

namespace hp::protocol::apdu {

namespace {
constexpr size_t kHeader = 4;

uint32_t shortLe(uint8_t b) {
  return b == 0 ? 256u : b;
}
uint32_t extendedLe(uint8_t hi, uint8_t lo) {
  uint32_t v = (static_cast<uint32_t>(hi) << 8) | lo;
  return v == 0 ? 65536u : v;
}
}  // namespace

Result<CommandApdu, StatusWord> parseCommandApdu(ByteView raw) {
  // ISO 7816-4 5.1: a command APDU has at least the four header bytes CLA INS P1 P2.
  if (raw.size() < kHeader) return sw::kWrongLength;
  CommandApdu c;
  c.cla = raw[0];
  c.ins = raw[1];
  c.p1 = raw[2];
  c.p2 = raw[3];
  const ByteView body = raw.subspan(kHeader);
  const size_t n = body.size();

  // Case 1: no body.
  if (n == 0) {
    c.apduCase = ApduCase::k1;
    return c;
  }
  // Case 2S: one byte Le.
  if (n == 1) {
    c.apduCase = ApduCase::k2;
    c.ne = shortLe(body[0]);
    return c;
  }
  if (body[0] != 0) {
    // Short Lc (1..255): case 3S is Lc + data, case 4S adds one Le byte.
    const size_t lc = body[0];
    if (n == 1 + lc) {
      c.apduCase = ApduCase::k3;
    } else if (n == 2 + lc) {
      c.apduCase = ApduCase::k4;
      c.ne = shortLe(body[n - 1]);
    } else {
      return sw::kWrongLength;
    }
    c.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<long>(lc));
    return c;
  }
  // body[0] == 0 and n >= 2: extended length (ISO 7816-4 5.2, "00" then two bytes).
  c.extended = true;
  if (n == 3) {
    c.apduCase = ApduCase::k2;
    c.ne = extendedLe(body[1], body[2]);
    return c;
  }
  if (n < 3) return sw::kWrongLength;
  const size_t lc = (static_cast<size_t>(body[1]) << 8) | body[2];
  // An extended Lc of 0000 is not a valid encoding of Nc.
  if (lc == 0) return sw::kWrongLength;
  if (n == 3 + lc) {
    c.apduCase = ApduCase::k3;
  } else if (n == 5 + lc) {
    c.apduCase = ApduCase::k4;
    c.ne = extendedLe(body[n - 2], body[n - 1]);
  } else {
    return sw::kWrongLength;
  }
  c.data.assign(body.begin() + 3, body.begin() + 3 + static_cast<long>(lc));
  return c;
}

Bytes encodeCommandApdu(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, ByteView data,
                        uint32_t ne, bool forceExtended) {
  Bytes out{cla, ins, p1, p2};
  const bool extended = forceExtended || data.size() > 255 || ne > 256;
  if (!data.empty()) {
    if (extended) {
      out.push_back(0);
      appendU16(out, static_cast<uint16_t>(data.size()));
    } else {
      out.push_back(static_cast<uint8_t>(data.size()));
    }
    append(out, data);
  }
  if (ne != 0) {
    if (extended) {
      if (data.empty()) out.push_back(0);
      appendU16(out, static_cast<uint16_t>(ne >= 65536 ? 0 : ne));
    } else {
      out.push_back(static_cast<uint8_t>(ne >= 256 ? 0 : ne));
    }
  }
  return out;
}

}  // namespace hp::protocol::apdu
