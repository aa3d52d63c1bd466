// The addresses the terminal handles: shop URLs ("https://host[:port][/path]") and the home
// server address stored on the access card (DF 32, "host:port"). Only https for shops: the
// home server authenticates to them with the user's card key, which needs TLS. Hosts are LDH
// names or IPv4 literals (what SessionBlob accepts), so a URL the home server would refuse is
// refused here first, with a message for the user.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "result.hpp"

namespace hp::terminal {

struct HttpsUrl {
  std::string host;
  uint16_t port = 443;
  std::string path = "/";  // path and query, as sent in the request line
  // "host:port": how the home server names a shop (session.list, session.drop).
  std::string shopKey() const { return host + ":" + std::to_string(port); }
  // The Host header value: the port only when it is not the default.
  std::string hostHeader() const { return port == 443 ? host : host + ":" + std::to_string(port); }
};

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

bool isValidHost(std::string_view host);
Result<HttpsUrl> parseHttpsUrl(std::string_view url);
// "host:port" with a port 1..65535 (no default: the card always stores one).
Result<HostPort> parseHostPort(std::string_view text);

}  // namespace hp::terminal
