// The one parser for the addresses hosts exchange (issue 11, 4: the terminal and the home server
// had a copy each, and they had drifted apart). A shop URL is "https://host[:port][/path]";
// a home server address (access card DF 32, config) is "host:port".
//
// The rules are the union of both former copies, taking the stricter of each:
//  - at most 2048 characters (the home server's cap, so one URL cannot grow a request unbounded);
//  - only https: the home server authenticates to shops with the user's card key, over TLS;
//  - only RFC 3986 visible ASCII (0x21..0x7E): no space, CR or LF that could split a request line;
//  - no fragment (it is never sent) and no user information (no credentials in URLs);
//  - hosts are LDH names (RFC 1123, 2.1: labels of 1..63 letters, digits and inner hyphens,
//    253 characters in all) or IPv4 literals, the rule SessionBlob applies too; no IPv6 literals;
//  - hosts are lower-cased (DNS names are case-insensitive; "host:port" is a cache key);
//  - ports are 1..65535 in decimal without a leading zero ("08" is refused: it reads as octal to
//    some tools, and one number must have one spelling when it is part of a key).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace hp::protocol::url {

constexpr size_t kMaxUrlLength = 2048;

// "host:port": how the home server names a shop (its session cache key, its shop check's key,
// session.drop, logs); from a URL's parts or a handshake request's host and port alike.
inline std::string shopKeyOf(const std::string& host, uint16_t port) {
  return host + ":" + std::to_string(port);
}

struct HttpsUrl {
  std::string host;  // lower case
  uint16_t port = 443;
  std::string path = "/";  // path and query, as sent in the request line
  std::string shopKey() const { return shopKeyOf(host, port); }
  // The Host header value (RFC 9110, 7.2): the port only when it is not the default.
  std::string hostHeader() const { return port == 443 ? host : shopKeyOf(host, port); }
};

struct HostPort {
  std::string host;  // lower case
  uint16_t port = 0;
};

// An LDH host name or IPv4 literal, as described above (either case).
bool isValidHost(std::string_view host);
// "https://host[:port][/path][?query]"; a path that starts with '?' gets a leading '/'.
Result<HttpsUrl> parseHttpsUrl(std::string_view url);
// "host:port", the port required (no default: the card and the session cache always hold one).
Result<HostPort> parseHostPort(std::string_view text);

}  // namespace hp::protocol::url
