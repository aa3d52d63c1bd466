#include "card/accesscard/data_objects.hpp"

#include <mbedtls/ecp.h>

#include <algorithm>

#include "base/tlv.hpp"

namespace hp::card::accesscard::objects {

bool isValidTerminalId(ByteView value) {
  return !value.empty() && value.size() <= kMaxTerminalIdSize;
}

bool isValidP256Point(ByteView value) {
  if (value.size() != kPointSize || value[0] != 0x04) return false;
  mbedtls_ecp_group group;
  mbedtls_ecp_point point;
  mbedtls_ecp_group_init(&group);
  mbedtls_ecp_point_init(&point);
  int rc = mbedtls_ecp_group_load(&group, MBEDTLS_ECP_DP_SECP256R1);
  if (rc == 0) rc = mbedtls_ecp_point_read_binary(&group, &point, value.data(), value.size());
  // SEC1 3.2.2.1 / mbedTLS: checks the coordinates are in range and satisfy the curve equation.
  if (rc == 0) rc = mbedtls_ecp_check_pubkey(&group, &point);
  mbedtls_ecp_point_free(&point);
  mbedtls_ecp_group_free(&group);
  return rc == 0;
}

bool isValidHomeServerAddress(ByteView value) {
  if (value.empty() || value.size() > kMaxAddressSize) return false;
  if (!std::all_of(value.begin(), value.end(), [](uint8_t c) { return c >= 0x20 && c <= 0x7E; })) {
    return false;
  }
  const auto colon = std::find(value.rbegin(), value.rend(), ':');
  if (colon == value.rend()) return false;
  const size_t hostSize = static_cast<size_t>(value.rend() - colon) - 1;
  const ByteView port = value.subspan(hostSize + 1);
  if (hostSize == 0 || port.empty() || port.size() > 5 || port[0] == '0') return false;
  unsigned number = 0;
  for (uint8_t c : port) {
    if (c < '0' || c > '9') return false;
    number = number * 10 + (c - '0');
  }
  return number <= 65535;
}

std::optional<Bytes> canonicalTerminalProfile(ByteView value) {
  auto list = base::parseTlvs(value);
  if (!list || list->size() != 4) return std::nullopt;
  for (uint16_t tag : {0x80, 0x81, 0x82, 0x83}) {
    if (std::count_if(list->begin(), list->end(),
                      [&](const base::Tlv& t) { return t.tag == tag; }) != 1) {
      return std::nullopt;
    }
  }
  const Bytes& kind = *base::findTlv(*list, 0x80);
  const Bytes& columns = *base::findTlv(*list, 0x81);
  const Bytes& rows = *base::findTlv(*list, 0x82);
  const Bytes& layout = *base::findTlv(*list, 0x83);
  if (kind.size() != 1 || kind[0] < 0x01 || kind[0] > 0x03) return std::nullopt;
  if (columns.size() != 2 || (columns[0] == 0 && columns[1] == 0)) return std::nullopt;
  if (rows.size() != 2 || (rows[0] == 0 && rows[1] == 0)) return std::nullopt;
  if (layout.size() != 1 || layout[0] < 0x01 || layout[0] > 0x02) return std::nullopt;
  Bytes out;
  base::appendTlv(out, 0x80, kind);
  base::appendTlv(out, 0x81, columns);
  base::appendTlv(out, 0x82, rows);
  base::appendTlv(out, 0x83, layout);
  return out;
}

}  // namespace hp::card::accesscard::objects
