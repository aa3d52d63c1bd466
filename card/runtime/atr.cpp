#include "card/runtime/atr.hpp"

namespace hp::card::runtime {

Bytes makeAtr(std::string_view historical) {
  const size_t k = historical.size() > 15 ? 15 : historical.size();
  // TS = 3B (direct convention); T0 = 8K: TD1 present, K historical bytes;
  // TD1 = 80: TD2 present, protocol T=0 indicated; TD2 = 01: protocol T=1.
  Bytes atr{0x3B, static_cast<uint8_t>(0x80 | k), 0x80, 0x01};
  for (size_t i = 0; i < k; ++i) atr.push_back(static_cast<uint8_t>(historical[i]));
  // TCK: XOR of all bytes from T0 to the last historical byte is zero with TCK included.
  uint8_t tck = 0;
  for (size_t i = 1; i < atr.size(); ++i) tck ^= atr[i];
  atr.push_back(tck);
  return atr;
}

}  // namespace hp::card::runtime
