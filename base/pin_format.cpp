#include "base/pin_format.hpp"

#include <algorithm>

namespace hp::base {

namespace {
bool allDigits(ByteView v) {
  return std::all_of(v.begin(), v.end(), [](uint8_t c) { return c >= '0' && c <= '9'; });
}
}  // namespace

bool isValidPinFormat(ByteView value) {
  return value.size() >= 4 && value.size() <= 8 && allDigits(value);
}

bool isValidPukFormat(ByteView value) {
  return value.size() == 8 && allDigits(value);
}

}  // namespace hp::base
