// The shop URLs the RPC methods accept: "https://host[:port][/path]". Only https (the whole
// point is the user's TLS client certificate), only LDH host names or IPv4 literals (the same
// rule SessionBlob applies), no user-info, no fragment.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "result.hpp"

namespace hp::home {

struct ShopUrl {
  std::string host;
  uint16_t port = 443;
  std::string path = "/";  // path and query, as sent in the request line
  // The cache key and the form used in logs and session.drop: "host:port".
  std::string shopKey() const { return host + ":" + std::to_string(port); }
};

Result<ShopUrl> parseShopUrl(std::string_view url);
// "host:port" as given to session.drop.
Result<ShopUrl> parseShopKey(std::string_view shop);

}  // namespace hp::home
