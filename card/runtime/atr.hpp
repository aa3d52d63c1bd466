// Answer-to-reset construction (ISO/IEC 7816-3 clause 8.2).
#pragma once

#include <string_view>

#include "base/bytes.hpp"

namespace hp::card::runtime {

// ATR announcing T=1 only, with the given historical bytes (at most 15) and the TCK check byte:
// 3B 8K 80 01 <historical> TCK. The historical bytes name the card, e.g. "HOMECARD".
Bytes makeAtr(std::string_view historical);

}  // namespace hp::card::runtime
