// Historical bytes of ATRs.
#include <doctest.h>

#include "card/runtime/atr.hpp"
#include "tools/conform/atr_parse.hpp"

using hp::base::Bytes;
using hp::conform::atrHistoricalBytes;

TEST_CASE("historical bytes of our ATRs and of others") {
  CHECK(atrHistoricalBytes(hp::card::runtime::makeAtr("HOMECARD")) ==
        hp::base::bytesOf("HOMECARD"));
  CHECK(atrHistoricalBytes(hp::card::runtime::makeAtr(""))->empty());
  // 3B 02 14 50: T0 = 02 (no interface bytes, K = 2).
  CHECK(atrHistoricalBytes(*hp::base::fromHex("3B 02 14 50")) == *hp::base::fromHex("14 50"));
  // TA1 TB1 TC1 TD1, then TD1 = 81 -> TD2 = 31 -> TA3 TB3 present (a typical T=1 card).
  CHECK(atrHistoricalBytes(*hp::base::fromHex("3B F2 18 00 00 81 31 FE 45 AB CD 00")) ==
        *hp::base::fromHex("AB CD"));
  CHECK_FALSE(atrHistoricalBytes(*hp::base::fromHex("3B 88 80 01 41")).has_value());
  CHECK_FALSE(atrHistoricalBytes(*hp::base::fromHex("3B 80")).has_value());  // TD1 missing
  CHECK_FALSE(atrHistoricalBytes(*hp::base::fromHex("3B")).has_value());
}
