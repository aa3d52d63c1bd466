#include "protocol/url/https_url.hpp"

namespace hp::protocol::url {

namespace {

bool isAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!isAsciiAlnum(c) && c != '-') return false;
  }
  return true;
}

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Decimal digits only (no sign, no blanks), no leading zero, 1..65535.
Result<uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) {
    return makeError("bad port \"" + std::string(text) + "\"");
  }
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return makeError("bad port \"" + std::string(text) + "\"");
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) return makeError("port out of range: " + std::string(text));
  return static_cast<uint16_t>(value);
}

}  // namespace

bool isValidHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    const std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!isLdhLabel(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result<HttpsUrl> parseHttpsUrl(std::string_view url) {
  if (url.size() > kMaxUrlLength) {
    return makeError("the URL is longer than " + std::to_string(kMaxUrlLength) + " characters");
  }
  constexpr std::string_view kScheme = "https://";
  // Checked before the scheme so that no control character reaches an error message.
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return makeError("the URL has a space or a non-ASCII character");
    }
  }
  if (url.substr(0, kScheme.size()) != kScheme) {
    return makeError("only https:// URLs are supported: \"" + std::string(url) + "\"");
  }
  const std::string_view rest = url.substr(kScheme.size());
  if (rest.find('#') != std::string_view::npos) return makeError("a URL fragment (#) is not sent");
  const size_t slash = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    return makeError("user names in URLs are not supported");
  }
  HttpsUrl parsed;
  const size_t colon = authority.rfind(':');
  const std::string_view host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = parsePort(authority.substr(colon + 1));
    if (!port) return port.error();
    parsed.port = *port;
  }
  if (!isValidHost(host)) return makeError("bad host \"" + std::string(host) + "\" in the URL");
  parsed.host = lowerCase(host);
  if (slash != std::string_view::npos) {
    parsed.path = std::string(rest.substr(slash));
    if (parsed.path.front() == '?') parsed.path = "/" + parsed.path;
  }
  return parsed;
}

Result<HostPort> parseHostPort(std::string_view text) {
  if (text.size() > kMaxUrlLength) return makeError("the address is too long");
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return makeError("address \"" + std::string(text) + "\" has no port");
  }
  const std::string_view host = text.substr(0, colon);
  if (!isValidHost(host)) return makeError("bad host \"" + std::string(host) + "\"");
  auto port = parsePort(text.substr(colon + 1));
  if (!port) return port.error();
  return HostPort{lowerCase(host), *port};
}

}  // namespace hp::protocol::url
