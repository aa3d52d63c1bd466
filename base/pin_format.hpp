// The format rules of the cards' PINs and PUK: what the home card accepts in CHANGE/RESET
// REFERENCE DATA, and what the home server checks before it sends a PIN to the card at all.
// The rules only; the reference data and retry counters stay in the card OS (card/runtime/pin).
#pragma once

#include "base/bytes.hpp"

namespace hp::base {

// 4 to 8 ASCII digits, no padding (the format of both PINs and of the access card PIN).
bool isValidPinFormat(ByteView value);
// Exactly 8 ASCII digits.
bool isValidPukFormat(ByteView value);

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp
