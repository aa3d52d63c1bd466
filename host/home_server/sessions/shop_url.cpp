#include "host/home_server/sessions/shop_url.hpp"

#include <charconv>

namespace hp::home {

namespace {

constexpr size_t kMaxUrlLength = 2048;

// LDH labels (RFC 1123, 2.1) separated by dots, 1..253 characters; IPv4 literals pass too.
bool isValidHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t labelLength = 0;
  char previous = '.';
  for (char c : host) {
    if (c == '.') {
      if (labelLength == 0 || previous == '-') return false;
      labelLength = 0;
    } else {
      const bool ldh =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ldh || (labelLength == 0 && c == '-') || ++labelLength > 63) return false;
    }
    previous = c;
  }
  return labelLength > 0 && previous != '-';
}

Result<uint16_t> parsePort(std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > 5 || error != std::errc() || end != text.data() + text.size() ||
      value == 0 || value > 65535) {
    return makeError("port must be a number from 1 to 65535");
  }
  return static_cast<uint16_t>(value);
}

Result<ShopUrl> parseAuthority(std::string_view authority) {
  ShopUrl url;
  const size_t colon = authority.rfind(':');
  std::string_view host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = parsePort(authority.substr(colon + 1));
    if (!port) return port.error();
    url.port = *port;
  }
  if (!isValidHost(host)) return makeError("invalid shop host name");
  url.host = std::string(host);
  for (char& c : url.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return url;
}

}  // namespace

Result<ShopUrl> parseShopUrl(std::string_view text) {
  if (text.size() > kMaxUrlLength) return makeError("URL too long");
  constexpr std::string_view kScheme = "https://";
  if (text.substr(0, kScheme.size()) != kScheme) return makeError("URL must start with https://");
  for (char c : text) {
    // RFC 3986 characters only; no spaces or controls that could split the request line.
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return makeError("URL contains a space or a non-ASCII character");
    }
  }
  if (text.find('#') != std::string_view::npos) return makeError("URL must not have a fragment");
  const std::string_view rest = text.substr(kScheme.size());
  const size_t slash = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    return makeError("URL must not carry user information");
  }
  auto url = parseAuthority(authority);
  if (!url) return url.error();
  if (slash != std::string_view::npos) {
    url->path = std::string(rest.substr(slash));
    if (url->path.front() == '?') url->path = "/" + url->path;
  }
  return url;
}

Result<ShopUrl> parseShopKey(std::string_view shop) {
  if (shop.find(':') == std::string_view::npos) return makeError("shop must be \"host:port\"");
  return parseAuthority(shop);
}

}  // namespace hp::home
