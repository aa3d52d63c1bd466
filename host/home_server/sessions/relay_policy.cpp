#include "host/home_server/sessions/relay_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace hp::home_server {

namespace {

constexpr size_t kMaxAddresses = 16;

struct Range4 {
  uint32_t network;
  int prefix;
  const char* reason;
};

// RFC 6890 (special-purpose IPv4 addresses) and RFC 1918.
constexpr Range4 kRanges4[] = {
    {0x00000000, 8, "unspecified"},    {0x0A000000, 8, "private"},
    {0x64400000, 10, "shared (CGN)"},  {0x7F000000, 8, "loopback"},
    {0xA9FE0000, 16, "link-local"},    {0xAC100000, 12, "private"},
    {0xC0000000, 24, "reserved"},      {0xC0000200, 24, "documentation"},
    {0xC0A80000, 16, "private"},       {0xC6120000, 15, "benchmarking"},
    {0xC6336400, 24, "documentation"}, {0xCB007100, 24, "documentation"},
    {0xE0000000, 4, "multicast"},      {0xF0000000, 4, "reserved"},
};

std::string reason4(uint32_t address) {
  for (const Range4& range : kRanges4) {
    const uint32_t mask = range.prefix == 0 ? 0 : ~uint32_t{0} << (32 - range.prefix);
    if ((address & mask) == range.network) return range.reason;
  }
  return {};
}

std::string reason6(const std::array<uint8_t, 16>& a) {
  const bool zeroTo10 = std::all_of(a.begin(), a.begin() + 10, [](uint8_t b) { return b == 0; });
  if (zeroTo10 && a[10] == 0xFF && a[11] == 0xFF) {
    // ::ffff:a.b.c.d, an IPv4 address in IPv6 clothes: judged as that address.
    return reason4(uint32_t{a[12]} << 24 | uint32_t{a[13]} << 16 | uint32_t{a[14]} << 8 | a[15]);
  }
  const bool zeroTo15 =
      zeroTo10 && std::all_of(a.begin() + 10, a.begin() + 15, [](uint8_t b) { return b == 0; });
  if (zeroTo15 && a[15] == 0) return "unspecified";
  if (zeroTo15 && a[15] == 1) return "loopback";
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return "link-local";
  if ((a[0] & 0xFE) == 0xFC) return "unique-local (private)";
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) return "site-local (private)";
  if (a[0] == 0xFF) return "multicast";
  if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8) return "documentation";
  // NAT64 and 6to4 embed IPv4 addresses a public prefix could lead back home with.
  if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xFF && a[3] == 0x9B) return "NAT64";
  if (a[0] == 0x00 || a[0] == 0x01) return "reserved";  // ::/8 rest, 100::/8 discard
  // 6to4 embeds an IPv4 address too.
  if (a[0] == 0x20 && a[1] == 0x02) {
    return reason4(uint32_t{a[2]} << 24 | uint32_t{a[3]} << 16 | uint32_t{a[4]} << 8 | a[5]);
  }
  return {};
}

std::string joined(const std::set<uint16_t>& ports) {
  std::string text;
  for (uint16_t port : ports) text += (text.empty() ? "" : ", ") + std::to_string(port);
  return text.empty() ? "none" : text;
}

}  // namespace

std::string nonPublicReason(const std::string& address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return reason4(ntohl(v4.s_addr));
  std::array<uint8_t, 16> v6{};
  if (::inet_pton(AF_INET6, address.c_str(), v6.data()) == 1) return reason6(v6);
  return "not an IP address";
}

Result<std::vector<std::string>> systemResolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    return makeError("cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  std::vector<std::string> addresses;
  for (const addrinfo* entry = found; entry && addresses.size() < kMaxAddresses;
       entry = entry->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = entry->ai_family == AF_INET
                          ? static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in*>(entry->ai_addr)->sin_addr)
                          : static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in6*>(entry->ai_addr)->sin6_addr);
    if (::inet_ntop(entry->ai_family, raw, text, sizeof text) == nullptr) continue;
    if (std::find(addresses.begin(), addresses.end(), text) == addresses.end()) {
      addresses.emplace_back(text);
    }
  }
  ::freeaddrinfo(found);
  if (addresses.empty()) return makeError("cannot resolve " + host + ": no address");
  return addresses;
}

RelayPolicy::RelayPolicy(RelayPolicyConfig config, Resolver resolver)
    : config_(std::move(config)), resolver_(std::move(resolver)) {
  if (!resolver_) resolver_ = systemResolve;
}

bool RelayPolicy::isConfiguredShop(const std::string& host, uint16_t port) const {
  const std::string withPort = host + ":" + std::to_string(port);
  return std::any_of(config_.shops.begin(), config_.shops.end(),
                     [&](const std::string& shop) { return shop == host || shop == withPort; });
}

Result<std::string> RelayPolicy::connectAddress(const std::string& host, uint16_t port,
                                                const std::string& connectOverride) const {
  const std::string target = host + ":" + std::to_string(port);
  const bool shop = isConfiguredShop(host, port);
  if (!shop && config_.allowedPorts.count(port) == 0) {
    return makeError("relay refused: " + target + ": port " + std::to_string(port) +
                     " is not allowed (relay.allowed_ports: " + joined(config_.allowedPorts) +
                     "; or name the shop in relay.shops)");
  }
  std::vector<std::string> addresses;
  if (!connectOverride.empty()) {
    addresses.push_back(connectOverride);
  } else {
    auto resolved = resolver_(host);
    if (!resolved) return makeError("relay refused: " + target + ": " + resolved.error().message);
    addresses = std::move(resolved.value());
  }
  if (addresses.empty()) return makeError("relay refused: " + target + ": no address");
  if (!shop && !config_.allowPrivate) {
    // Every address, not just the first: a name with one public and one private address must
    // not reach home through the second.
    for (const std::string& address : addresses) {
      if (const std::string why = nonPublicReason(address); !why.empty()) {
        return makeError("relay refused: " + target + " is " + address + ", a " + why +
                         " address (relay.allow_private_addresses is false; or name the shop "
                         "in relay.shops)");
      }
    }
  }
  return addresses.front();
}

}  // namespace hp::home_server
