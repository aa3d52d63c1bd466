#include "tools/conform/atr_parse.hpp"

namespace hp::conform {

std::optional<Bytes> atrHistoricalBytes(ByteView atr) {
  // TS, then T0 = Y1 (which interface bytes follow) and K (number of historical bytes).
  if (atr.size() < 2) return std::nullopt;
  const size_t k = atr[1] & 0x0F;
  uint8_t y = atr[1] >> 4;
  size_t i = 2;
  // Each Yi announces TAi (bit 1), TBi, TCi and TDi (bit 4); TDi carries the next Y.
  while (true) {
    const bool hasTd = (y & 0x8) != 0;
    i += ((y & 0x1) != 0) + ((y & 0x2) != 0) + ((y & 0x4) != 0);
    if (!hasTd) break;
    if (i >= atr.size()) return std::nullopt;
    y = atr[i] >> 4;
    ++i;
  }
  if (i + k > atr.size()) return std::nullopt;
  return Bytes(atr.begin() + static_cast<long>(i), atr.begin() + static_cast<long>(i + k));
}

}  // namespace hp::conform
