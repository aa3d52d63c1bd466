// The shop URLs the RPC methods accept: "https://host[:port][/path]", parsed by protocol/url,
// the one URL parser the terminal uses too (only https, LDH or IPv4 hosts lower-cased, no
// user-info, no fragment, at most 2048 characters, no leading-zero ports).
#pragma once

#include <string_view>
#include <utility>

#include "protocol/url/https_url.hpp"

namespace hp::home_server {

using ShopUrl = protocol::url::HttpsUrl;

inline Result<ShopUrl> parseShopUrl(std::string_view url) {
  return protocol::url::parseHttpsUrl(url);
}

// "host:port" as given to session.drop.
inline Result<ShopUrl> parseShopKey(std::string_view shop) {
  auto address = protocol::url::parseHostPort(shop);
  if (!address) return address.error();
  ShopUrl url;
  url.host = std::move(address->host);
  url.port = address->port;
  return url;
}

}  // namespace hp::home_server
