#include "host/terminal/money.hpp"

namespace hp::terminal {

std::string formatAmount(uint64_t minor, const std::string& currency, int sign) {
  std::string fraction = std::to_string(minor % 100);
  if (fraction.size() < kMinorDigits) fraction.insert(0, kMinorDigits - fraction.size(), '0');
  std::string text = (sign < 0 ? "-" : "") + std::to_string(minor / 100) + "." + fraction;
  return currency.empty() ? text : text + " " + currency;
}

Result<uint64_t> parseAmount(std::string_view text) {
  const Error bad = makeError("amount \"" + std::string(text) +
                              "\" must be like 12.34 (at most two decimals, more than 0)");
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 13 || fraction.size() > kMinorDigits ||
      (dot != std::string_view::npos && fraction.empty())) {
    return bad;
  }
  uint64_t minor = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return bad;
    minor = minor * 10 + static_cast<uint64_t>(c - '0');
  }
  for (size_t i = 0; i < kMinorDigits; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return bad;
    minor = minor * 10 + static_cast<uint64_t>(c - '0');
  }
  if (minor == 0 || minor > (1ull << 53)) return bad;
  return minor;
}

}  // namespace hp::terminal
