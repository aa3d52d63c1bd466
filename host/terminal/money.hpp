// Amounts as the user reads and types them: the purse counts minor units (cents), the terminal
// shows "12.34 EUR" and accepts "12.34", "12.3" or "12". Every purse currency here has two
// decimals (EUR, USD, GBP, CHF, ...); ISO 4217's zero- and three-decimal currencies would need a
// table, and no purse in this project uses one. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace hp::terminal {

inline constexpr unsigned kMinorDigits = 2;

// "1234", "EUR" -> "12.34 EUR"; a negative sign for debits when `sign` is -1.
std::string formatAmount(uint64_t minor, const std::string& currency, int sign = 1);
// "12.34" -> 1234. Refused: empty, signs, more than two decimals, zero, over 2^53.
Result<uint64_t> parseAmount(std::string_view text);

}  // namespace hp::terminal
