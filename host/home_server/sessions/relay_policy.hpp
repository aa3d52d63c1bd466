// Where the home server may connect on a terminal's behalf (session.open, relay.request, and the
// purse's shop and bank calls): a terminal's key must not turn the home server into a proxy to
// the home network (127.0.0.1:22, the vpcd slot port, the router). README, "Relay scope":
//  - only https (parseShopUrl), and only to the ports in allowedPorts (default 443);
//  - every address the host name resolves to must be public: loopback, link-local, private,
//    unique-local, unspecified, multicast and reserved ranges (IPv4 and IPv6) are refused unless
//    allowPrivate;
//  - the configured shops (a host name, or "host:port") are allowed whatever their port and
//    address: the user named them.
// The check runs after DNS resolution and hands back the address it checked, which the caller
// connects to (no second resolution, so no DNS rebinding between check and connect).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace hp::home_server {

struct RelayPolicyConfig {
  std::set<uint16_t> allowedPorts{443};
  bool allowPrivate = false;
  // "host" (any port) or "host:port", lower case.
  std::vector<std::string> shops;
};

// A host name's addresses as numeric text ("192.0.2.1", "2001:db8::1").
using Resolver = std::function<Result<std::vector<std::string>>(const std::string& host)>;
Result<std::vector<std::string>> systemResolve(const std::string& host);

// Why an address is not public, or empty for a public one ("loopback", "private", ...);
// "not an IP address" for text that is not one.
std::string nonPublicReason(const std::string& address);

class RelayPolicy {
 public:
  explicit RelayPolicy(RelayPolicyConfig config, Resolver resolver = systemResolve);

  // The address to connect to for host:port, or why the home server will not. With
  // `connectOverride` (tests: "127.0.0.1"), that address is checked instead of resolving.
  Result<std::string> connectAddress(const std::string& host, uint16_t port,
                                     const std::string& connectOverride = {}) const;

 private:
  bool isConfiguredShop(const std::string& host, uint16_t port) const;

  RelayPolicyConfig config_;
  Resolver resolver_;
};

}  // namespace hp::home_server
