// The home server's JSON configuration (documented example: home_server.example.json).
// Strict: an unknown key or a value of the wrong type or range is refused with a message that
// names the key, so a typo never silently falls back to a default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/home_server/appliances/appliance_config.hpp"
#include "host/home_server/core/server_log.hpp"
#include "host/home_server/pim/pim_config.hpp"
#include "host/home_server/purse/purse_config.hpp"
#include "host/home_server/sessions/relay_policy.hpp"
#include "host/tls_proxy/signer.hpp"

namespace hp::home_server {

// The PIN2 authority a terminal holds (docs/control-channel.md, "Authority"): how long after
// PIN2 at most, and how long without one of its own requests. The idle limit cannot exceed the
// home card's own (10 minutes without a command that uses the crypto state).
struct AuthorityConfig {
  uint32_t idleSeconds = 600;
  uint32_t lifetimeSeconds = 3600;
  uint32_t cardCheckMs = 1000;  // AuthorityLimits::cardCheckMs
};

// Against connection floods (README, "Listener limits"): connections still in their handshake
// have their own pool, a cap per source address and a deadline; max_connections counts only
// terminals past their handshake.
struct ListenerLimitsConfig {
  size_t maxHandshakes = 32;
  size_t maxHandshakesPerSource = 4;
  uint32_t handshakeTimeoutMs = 10'000;
};

struct HomeServerConfig {
  std::string listenAddress = "127.0.0.1";  // IPv4 literal
  uint16_t listenPort = 8443;               // 0: the kernel picks (tests)
  size_t maxConnections = 16;               // concurrent terminals past their handshake
  std::string homeCardReader;               // PC/SC reader name; empty: find the card by AID
  std::string homeCardAidHex = "F0484F4D454341524401";  // the home card applet
  // The home card's card authentication key (uncompressed P-256 point), pinned by
  // hp_provision: PINs go only to the card that proves it holds it. Required to use a card.
  Bytes homeCardKey;
  tls_proxy::KeyType userKeyType =
      tls_proxy::KeyType::kEcP256;  // which home card key signs for TLS
  std::string trustStoreCaFile;     // PEM: the CAs the shops' chains must lead to
  std::string serverKeyFile;        // PEM, P-256: the channel's long-term signing key
  uint32_t sessionLifetimeCapSeconds = 300;
  std::string adminSocketPath = "/run/homeproxy/home_server.sock";
  LogLevel logLevel = LogLevel::kInfo;
  // SQLite file of the terminals' policies and daily payment counts (policy_store.hpp); empty:
  // kept in memory, lost at a restart.
  std::string terminalPolicyDb;
  PurseConfig purse;
  NoticesConfig notices;
  PimConfig pim;  // docs/pim.md
  AuthorityConfig authority;
  ListenerLimitsConfig listener;
  RelayPolicyConfig relay;     // where terminals may send the home server (relay_policy.hpp)
  ApplianceConfig appliances;  // the appliance wing (docs/appliances.md)
};

Result<HomeServerConfig> parseHomeServerConfig(std::string_view jsonText);
Result<HomeServerConfig> loadHomeServerConfig(const std::string& path);

}  // namespace hp::home_server
