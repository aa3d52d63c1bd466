#include "url.hpp"

#include <cctype>

namespace hp::terminal {

namespace {

bool isLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

Result<uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return makeError("bad port \"" + std::string(text) + "\"");
  if (text.size() > 1 && text[0] == '0') return makeError("bad port \"" + std::string(text) + "\"");
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
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return makeError("only https:// URLs are supported: \"" + std::string(url) + "\"");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find('#') != std::string_view::npos) return makeError("a URL fragment (#) is not sent");
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return makeError("the URL has a space or a non-ASCII character");
    }
  }
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  HttpsUrl parsed;
  if (slash != std::string_view::npos) {
    parsed.path = std::string(rest.substr(slash));
    if (parsed.path[0] == '?') parsed.path = "/" + parsed.path;
  }
  if (authority.find('@') != std::string_view::npos) {
    return makeError("user names in URLs are not supported");
  }
  const size_t colon = authority.rfind(':');
  std::string_view host = authority.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = parsePort(authority.substr(colon + 1));
    if (!port) return port.error();
    parsed.port = *port;
  }
  if (!isValidHost(host)) return makeError("bad host \"" + std::string(host) + "\" in the URL");
  parsed.host = std::string(host);
  return parsed;
}

Result<HostPort> parseHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return makeError("address \"" + std::string(text) + "\" has no port");
  }
  std::string_view host = text.substr(0, colon);
  if (!isValidHost(host)) return makeError("bad host \"" + std::string(host) + "\"");
  auto port = parsePort(text.substr(colon + 1));
  if (!port) return port.error();
  return HostPort{std::string(host), *port};
}

}  // namespace hp::terminal
