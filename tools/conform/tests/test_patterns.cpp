// expect_data patterns and status word patterns.
#include <doctest.h>

#include "tools/conform/hex_pattern.hpp"

using hp::base::Bytes;
using hp::conform::DataPattern;
using hp::conform::statusWordMatches;

namespace {
bool dataMatches(const char* pattern, const char* data) {
  auto p = DataPattern::parse(pattern);
  REQUIRE(p.ok());
  return p.value().matches(*hp::base::fromHex(data));
}
}  // namespace

TEST_CASE("data patterns: bytes, xx, ...") {
  CHECK(dataMatches("6F 02 84 00", "6F028400"));
  CHECK_FALSE(dataMatches("6F 02 84 00", "6F028401"));
  CHECK_FALSE(dataMatches("6F 02 84", "6F028400"));
  CHECK_FALSE(dataMatches("6F 02 84 00", "6F0284"));
  CHECK(dataMatches("6F xx 84", "6F9984"));
  CHECK(dataMatches("6fXX84", "6F9984"));
  CHECK_FALSE(dataMatches("6F xx 84", "6F84"));
  CHECK(dataMatches("6F ...", "6F"));
  CHECK(dataMatches("6F ...", "6F0102030405"));
  CHECK(dataMatches("... 90 00", "0102039000"));
  CHECK(dataMatches("01 ... 05", "0105"));
  CHECK(dataMatches("01 ... 05", "01020304050505"));
  CHECK_FALSE(dataMatches("01 ... 05", "0102030406"));
  CHECK(dataMatches("01 ... 03 ... 05", "0102030405"));
  CHECK_FALSE(dataMatches("01 ... 03 ... 05", "01020405"));
  CHECK(dataMatches("...", ""));
  CHECK(dataMatches("", ""));
  CHECK_FALSE(dataMatches("", "00"));
  CHECK(dataMatches("xx ... xx", "0102"));
  CHECK_FALSE(dataMatches("xx ... xx", "01"));
}

TEST_CASE("malformed data patterns are errors, not silent matches") {
  CHECK_FALSE(DataPattern::parse("6F 0").ok());
  CHECK_FALSE(DataPattern::parse("6G").ok());
  CHECK_FALSE(DataPattern::parse("x1").ok());
  CHECK_FALSE(DataPattern::parse("..").ok());
}

TEST_CASE("status word patterns") {
  CHECK(statusWordMatches("9000", 0x9000));
  CHECK_FALSE(statusWordMatches("9000", 0x9001));
  CHECK(statusWordMatches("63Cx", 0x63C2));
  CHECK(statusWordMatches("63cX", 0x63CF));
  CHECK_FALSE(statusWordMatches("63Cx", 0x63D2));
  CHECK(statusWordMatches("61xx", 0x6100));
  CHECK(statusWordMatches("61xx", 0x61FF));
  CHECK_FALSE(statusWordMatches("61xx", 0x6200));
  CHECK_FALSE(statusWordMatches("900", 0x0900));
  CHECK_FALSE(statusWordMatches("90000", 0x9000));
  CHECK_FALSE(statusWordMatches("90G0", 0x9000));
  CHECK(hp::conform::statusWordText(0x6a82) == "6A82");
}
