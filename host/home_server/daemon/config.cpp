#include "host/home_server/daemon/config.hpp"

#include <arpa/inet.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "base/bytes.hpp"
#include "host/home_server/daemon/config_detail.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::home_server {

namespace {

constexpr size_t kMaxConfigBytes = 64 * 1024;
using namespace config_detail;

// Long on purpose (issue 11): one table, one setter per configuration key.
// NOLINTNEXTLINE(readability-function-size)
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
           c.userKeyType = tls_proxy::KeyType::kEcP256;
         } else if (name == "rsa") {
           c.userKeyType = tls_proxy::KeyType::kRsa2048;
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
      {"terminal_policy_db",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto text = nonEmptyString(v, "terminal_policy_db");
         if (!text) return text.error();
         c.terminalPolicyDb = *text;
         return {};
       }},
      {"purse",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         return parseSection(v, "purse", purseSetters(), c);
       }},
      {"pim",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (auto parsed = parseSection(v, "pim", pimSetters(), c); !parsed) return parsed;
         c.pim.enabled = true;
         return {};
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
      {"appliances",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (auto parsed = parseSection(v, "appliances", applianceSetters(), c); !parsed) {
           return parsed;
         }
         for (const char* required : {"ca_file", "cert_file", "key_file"}) {
           if (!v.isMember(required))
             return keyError(std::string("appliances.") + required, "is required");
         }
         c.appliances.enabled = true;
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
  auto root = protocol::rpc::parseJson(jsonText);
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

}  // namespace hp::home_server
