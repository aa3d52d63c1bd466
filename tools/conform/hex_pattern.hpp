// Hex patterns of the scenario files: expected data ("6F xx ... 90") and status words ("63Cx").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::conform {

// A parsed expect_data pattern: exact bytes, "xx" (any one byte) and "..." (any run of bytes,
// possibly empty). Spaces are ignored, so "6Fxx..." and "6F xx ..." are the same pattern.
class DataPattern {
 public:
  static Result<DataPattern> parse(std::string_view text);
  bool matches(ByteView data) const;
  const std::string& text() const { return text_; }

 private:
  enum class Kind : uint8_t { kByte, kAnyByte, kAnyRun };
  struct Token {
    Kind kind;
    uint8_t value;
  };
  std::vector<Token> tokens_;
  std::string text_;
};

// True when the four hex digits of `sw` match `pattern`, where 'x'/'X' matches any digit
// ("63Cx", "61xx", "9000"). A pattern that is not four characters never matches.
bool statusWordMatches(std::string_view pattern, uint16_t sw);

// True when a pattern is four characters of hex digits or 'x'.
bool isStatusWordPattern(std::string_view pattern);

std::string statusWordText(uint16_t sw);

}  // namespace hp::conform
