// Historical bytes of an answer-to-reset (ISO/IEC 7816-3 clause 8.2), for the runner's check
// that the card in the reader is the card the spec describes.
#pragma once

#include <optional>

#include "base/bytes.hpp"

namespace hp::conform {

// The K historical bytes of an ATR; nullopt when the ATR is too short for what T0 and the
// TDi bytes announce.
std::optional<Bytes> atrHistoricalBytes(ByteView atr);

}  // namespace hp::conform
