#include "tools/conform/hex_pattern.hpp"

#include <cctype>
#include <cstdio>

namespace hp::conform {

namespace {
int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':';
}
}  // namespace

Result<DataPattern> DataPattern::parse(std::string_view text) {
  DataPattern p;
  p.text_ = std::string(text);
  size_t i = 0;
  while (i < text.size()) {
    if (isSpace(text[i])) {
      ++i;
      continue;
    }
    if (text.substr(i, 3) == "...") {
      p.tokens_.push_back({Kind::kAnyRun, 0});
      i += 3;
      continue;
    }
    if (i + 1 >= text.size())
      return makeError("odd number of hex digits in pattern '" + p.text_ + "'");
    const char a = text[i];
    const char b = text[i + 1];
    if ((a == 'x' || a == 'X') && (b == 'x' || b == 'X')) {
      p.tokens_.push_back({Kind::kAnyByte, 0});
    } else if (hexDigit(a) >= 0 && hexDigit(b) >= 0) {
      p.tokens_.push_back({Kind::kByte, static_cast<uint8_t>(hexDigit(a) * 16 + hexDigit(b))});
    } else {
      return makeError("bad byte '" + std::string(text.substr(i, 2)) + "' in pattern '" + p.text_ +
                       "' (want two hex digits, xx or ...)");
    }
    i += 2;
  }
  return p;
}

bool DataPattern::matches(ByteView data) const {
  // Glob matching with one backtrack point per "...", linear in practice for our patterns.
  size_t t = 0, d = 0;
  size_t starToken = SIZE_MAX, starData = 0;
  while (d < data.size()) {
    if (t < tokens_.size() && tokens_[t].kind == Kind::kAnyRun) {
      starToken = t++;
      starData = d;
    } else if (t < tokens_.size() &&
               (tokens_[t].kind == Kind::kAnyByte || tokens_[t].value == data[d])) {
      ++t;
      ++d;
    } else if (starToken != SIZE_MAX) {
      t = starToken + 1;
      d = ++starData;
    } else {
      return false;
    }
  }
  while (t < tokens_.size() && tokens_[t].kind == Kind::kAnyRun) ++t;
  return t == tokens_.size();
}

bool isStatusWordPattern(std::string_view pattern) {
  if (pattern.size() != 4) return false;
  for (char c : pattern) {
    if (c != 'x' && c != 'X' && hexDigit(c) < 0) return false;
  }
  return true;
}

bool statusWordMatches(std::string_view pattern, uint16_t sw) {
  if (!isStatusWordPattern(pattern)) return false;
  for (int i = 0; i < 4; ++i) {
    const char c = pattern[static_cast<size_t>(i)];
    if (c == 'x' || c == 'X') continue;
    const int digit = (sw >> (12 - 4 * i)) & 0xF;
    if (hexDigit(c) != digit) return false;
  }
  return true;
}

std::string statusWordText(uint16_t sw) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "%04X", sw);
  return buf;
}

}  // namespace hp::conform
