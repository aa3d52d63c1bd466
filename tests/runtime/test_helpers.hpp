// Small helpers shared by the runtime tests.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.hpp"

namespace hp::test {

// Hex literal to bytes; an invalid literal is a bug in the test itself.
inline Bytes hex(std::string_view text) {
  auto b = fromHex(text);
  if (!b) throw std::string("bad hex literal in test: ") + std::string(text);
  return *b;
}

}  // namespace hp::test
