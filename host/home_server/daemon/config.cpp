#include "host/home_server/daemon/config.hpp"

#include <arpa/inet.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "bytes.hpp"
#include "host/home_server/sessions/shop_url.hpp"
#include "message.hpp"

namespace hp::home {

namespace {

constexpr size_t kMaxConfigBytes = 64 * 1024;

Error keyError(const std::string& key, const std::string& what) {
  return makeError("config: \"" + key + "\" " + what);
}

Result<std::string> nonEmptyString(const Json::Value& value, const std::string& key) {
  if (!value.isString() || value.asString().empty()) {
    return keyError(key, "must be a non-empty string");
  }
  return value.asString();
}

Result<uint64_t> integerIn(const Json::Value& value, const std::string& key, uint64_t low,
                           uint64_t high) {
  if ((value.type() != Json::intValue && value.type() != Json::uintValue) || !value.isUInt64() ||
      value.asUInt64() < low || value.asUInt64() > high) {
    return keyError(
        key, "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
  }
  return value.asUInt64();
}

Result<std::string> anyString(const Json::Value& value, const std::string& key) {
  if (!value.isString()) return keyError(key, "must be a string");
  return value.asString();
}

using Setter = std::function<Result<void>(const Json::Value&, HomeServerConfig&)>;

// A nested object ("purse": {...}): as strict as the top level, keys named "purse.key".
Result<void> parseSection(const Json::Value& value, const std::string& section,
                          const std::map<std::string, Setter>& table, HomeServerConfig& config) {
  if (!value.isObject()) return keyError(section, "must be an object");
  for (const std::string& key : value.getMemberNames()) {
    const auto setter = table.find(key);
    if (setter == table.end()) return keyError(section + "." + key, "is not a known setting");
    if (auto set = setter->second(value[key], config); !set) return set.error();
  }
  return {};
}

const std::map<std::string, Setter>& purseSetters() {
  static const std::map<std::string, Setter> table = {
      {"pending_vouchers_db",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "purse.pending_vouchers_db");
         if (!text) return text.error();
         c.purse.pendingVouchersDb = *text;
         return {};
       }},
      {"reconcile_seconds",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto seconds = integerIn(v, "purse.reconcile_seconds", 1, 86400);
         if (!seconds) return seconds.error();
         c.purse.reconcileSeconds = static_cast<uint32_t>(*seconds);
         return {};
       }},
  };
  return table;
}

const std::map<std::string, Setter>& authoritySetters() {
  static const std::map<std::string, Setter> table = {
      {"idle_seconds",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         // The card ends its crypto state after 600 s without a command that uses it.
         auto seconds = integerIn(v, "authority.idle_seconds", 10, 600);
         if (!seconds) return seconds.error();
         c.authority.idleSeconds = static_cast<uint32_t>(*seconds);
         return {};
       }},
      {"lifetime_seconds",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto seconds = integerIn(v, "authority.lifetime_seconds", 60, 86400);
         if (!seconds) return seconds.error();
         c.authority.lifetimeSeconds = static_cast<uint32_t>(*seconds);
         return {};
       }},
      {"card_check_ms",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         // Bounds how long a home card restarted unseen can go unnoticed by cached visits.
         auto ms = integerIn(v, "authority.card_check_ms", 0, 10000);
         if (!ms) return ms.error();
         c.authority.cardCheckMs = static_cast<uint32_t>(*ms);
         return {};
       }},
  };
  return table;
}

// A string member of the notices section: `field` of NoticesConfig, empty allowed or not.
Setter noticesString(const std::string& key, std::string NoticesConfig::*field, bool mayBeEmpty) {
  return [key, field, mayBeEmpty](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
    auto text = mayBeEmpty ? anyString(v, "notices." + key) : nonEmptyString(v, "notices." + key);
    if (!text) return text.error();
    c.notices.*field = *text;
    return {};
  };
}

const std::map<std::string, Setter>& noticesSetters() {
  static const std::map<std::string, Setter> table = {
      {"smtp_url", noticesString("smtp_url", &NoticesConfig::smtpUrl, false)},
      {"smtp_ca_file", noticesString("smtp_ca_file", &NoticesConfig::smtpCaFile, true)},
      {"smtp_user", noticesString("smtp_user", &NoticesConfig::smtpUser, true)},
      {"smtp_password_file",
       noticesString("smtp_password_file", &NoticesConfig::smtpPasswordFile, true)},
      {"from", noticesString("from", &NoticesConfig::from, false)},
      {"to", noticesString("to", &NoticesConfig::to, false)},
      {"outbox_path", noticesString("outbox_path", &NoticesConfig::outboxPath, false)},
      {"smtp_starttls",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (!v.isBool()) return keyError("notices.smtp_starttls", "must be true or false");
         c.notices.smtpStartTls = v.asBool();
         return {};
       }},
      {"period_seconds",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto seconds = integerIn(v, "notices.period_seconds", 1, 86400);
         if (!seconds) return seconds.error();
         c.notices.periodSeconds = static_cast<uint32_t>(*seconds);
         return {};
       }},
      {"max_entries_per_mail",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto count = integerIn(v, "notices.max_entries_per_mail", 1, 64);
         if (!count) return count.error();
         c.notices.maxEntriesPerMail = *count;
         return {};
       }},
  };
  return table;
}

// "listener": {...}: the flood limits of ListenerLimitsConfig.
const std::map<std::string, Setter>& listenerSetters() {
  static const std::map<std::string, Setter> table = {
      {"max_handshakes",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto count = integerIn(v, "listener.max_handshakes", 1, 1024);
         if (!count) return count.error();
         c.listener.maxHandshakes = *count;
         return {};
       }},
      {"max_handshakes_per_source",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto count = integerIn(v, "listener.max_handshakes_per_source", 1, 1024);
         if (!count) return count.error();
         c.listener.maxHandshakesPerSource = *count;
         return {};
       }},
      {"handshake_timeout_ms",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         // A handshake costs the card a signature or two; below 1 s a slow card would fail.
         auto ms = integerIn(v, "listener.handshake_timeout_ms", 1000, 120'000);
         if (!ms) return ms.error();
         c.listener.handshakeTimeoutMs = static_cast<uint32_t>(*ms);
         return {};
       }},
  };
  return table;
}

// "relay": {...}: RelayPolicyConfig.
const std::map<std::string, Setter>& relaySetters() {
  static const std::map<std::string, Setter> table = {
      {"allowed_ports",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (!v.isArray() || v.size() > 64) {
           return keyError("relay.allowed_ports", "must be a list of at most 64 ports");
         }
         c.relay.allowedPorts.clear();
         for (const Json::Value& item : v) {
           auto port = integerIn(item, "relay.allowed_ports", 1, 65535);
           if (!port) return port.error();
           c.relay.allowedPorts.insert(static_cast<uint16_t>(*port));
         }
         return {};
       }},
      {"allow_private_addresses",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (!v.isBool()) return keyError("relay.allow_private_addresses", "must be true or false");
         c.relay.allowPrivate = v.asBool();
         return {};
       }},
      {"shops",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (!v.isArray() || v.size() > 256) {
           return keyError("relay.shops",
                           "must be a list of at most 256 \"host\" or \"host:port\"");
         }
         c.relay.shops.clear();
         for (const Json::Value& item : v) {
           const std::string text = item.isString() ? item.asString() : "";
           // The same host rules as the URLs terminals send (shop_url.hpp).
           auto parsed = text.find(':') == std::string::npos ? parseShopKey(text + ":443")
                                                             : parseShopKey(text);
           if (!parsed) {
             return keyError("relay.shops", "entry \"" + text.substr(0, 64) +
                                                "\" is not \"host\" or \"host:port\"");
           }
           c.relay.shops.push_back(text.find(':') == std::string::npos ? parsed->host
                                                                       : parsed->shopKey());
         }
         return {};
       }},
  };
  return table;
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"listen_address",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "listen_address");
         if (!text) return text.error();
         in_addr parsed{};
         if (inet_pton(AF_INET, text->c_str(), &parsed) != 1) {
           return keyError("listen_address", "must be an IPv4 address such as 127.0.0.1");
         }
         c.listenAddress = *text;
         return {};
       }},
      {"listen_port",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto port = integerIn(v, "listen_port", 0, 65535);
         if (!port) return port.error();
         c.listenPort = static_cast<uint16_t>(*port);
         return {};
       }},
      {"max_connections",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto count = integerIn(v, "max_connections", 1, 256);
         if (!count) return count.error();
         c.maxConnections = *count;
         return {};
       }},
      {"home_card_reader",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "home_card_reader");
         if (!text) return text.error();
         c.homeCardReader = *text;
         return {};
       }},
      {"home_card_aid",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "home_card_aid");
         if (!text) return text.error();
         // ISO 7816-4, 8.2.1.2: an AID is 5 to 16 bytes.
         auto aid = fromHex(*text);
         if (!aid || aid->size() < 5 || aid->size() > 16) {
           return keyError("home_card_aid", "must be 5 to 16 bytes of hex");
         }
         c.homeCardAidHex = *text;
         return {};
       }},
      {"home_card_key",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "home_card_key");
         if (!text) return text.error();
         auto point = fromHex(*text);
         // An uncompressed P-256 point; whether it is on the curve is checked at the first use.
         if (!point || point->size() != 65 || (*point)[0] != 0x04) {
           return keyError("home_card_key", "must be an uncompressed P-256 point in hex (04...)");
         }
         c.homeCardKey = std::move(*point);
         return {};
       }},
      {"user_key",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         const std::string name = v.isString() ? v.asString() : "";
         if (name == "ec") {
           c.userKeyType = tls::KeyType::kEcP256;
         } else if (name == "rsa") {
           c.userKeyType = tls::KeyType::kRsa2048;
         } else {
           return keyError("user_key", "must be \"ec\" (P-256) or \"rsa\" (RSA-2048)");
         }
         return {};
       }},
      {"trust_store_ca_file",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "trust_store_ca_file");
         if (!text) return text.error();
         c.trustStoreCaFile = *text;
         return {};
       }},
      {"server_key_file",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "server_key_file");
         if (!text) return text.error();
         c.serverKeyFile = *text;
         return {};
       }},
      {"session_lifetime_max_seconds",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         // Below 10 s a terminal could hardly resume in time; above a day no shop keeps it.
         auto seconds = integerIn(v, "session_lifetime_max_seconds", 10, 86400);
         if (!seconds) return seconds.error();
         c.sessionLifetimeCapSeconds = static_cast<uint32_t>(*seconds);
         return {};
       }},
      {"admin_socket",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "admin_socket");
         if (!text) return text.error();
         // sockaddr_un.sun_path is 108 bytes including the terminating NUL.
         if (text->size() > 107 || text->front() != '/') {
           return keyError("admin_socket", "must be an absolute path of at most 107 bytes");
         }
         c.adminSocketPath = *text;
         return {};
       }},
      {"purse",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         return parseSection(v, "purse", purseSetters(), c);
       }},
      {"notices",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (auto parsed = parseSection(v, "notices", noticesSetters(), c); !parsed) return parsed;
         for (const char* required : {"smtp_url", "from", "to", "outbox_path"}) {
           if (!v.isMember(required))
             return keyError(std::string("notices.") + required, "is required");
         }
         c.notices.enabled = true;
         return {};
       }},
      {"authority",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (auto parsed = parseSection(v, "authority", authoritySetters(), c); !parsed) {
           return parsed;
         }
         if (c.authority.idleSeconds > c.authority.lifetimeSeconds) {
           return keyError("authority.idle_seconds", "must not exceed authority.lifetime_seconds");
         }
         return {};
       }},
      {"listener",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         return parseSection(v, "listener", listenerSetters(), c);
       }},
      {"relay",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         return parseSection(v, "relay", relaySetters(), c);
       }},
      {"log_level",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto level = v.isString() ? parseLogLevel(v.asString()) : std::nullopt;
         if (!level) return keyError("log_level", "must be one of error, warn, info, debug");
         c.logLevel = *level;
         return {};
       }},
  };
  return table;
}

}  // namespace

Result<HomeServerConfig> parseHomeServerConfig(std::string_view jsonText) {
  auto root = rpc::parseJson(jsonText);
  if (!root) return makeError("config: " + root.error().message);
  if (!root->isObject()) return makeError("config: the top level must be a JSON object");
  HomeServerConfig config;
  for (const std::string& key : root->getMemberNames()) {
    const auto setter = setters().find(key);
    if (setter == setters().end()) return keyError(key, "is not a known setting");
    if (auto set = setter->second((*root)[key], config); !set) return set.error();
  }
  for (const char* required : {"trust_store_ca_file", "server_key_file"}) {
    if (!root->isMember(required)) return keyError(required, "is required");
  }
  return config;
}

Result<HomeServerConfig> loadHomeServerConfig(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return makeError("config: cannot open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  if (text.str().size() > kMaxConfigBytes) return makeError("config: " + path + " is too large");
  return parseHomeServerConfig(text.str());
}

}  // namespace hp::home
