// The nested sections of the home server's configuration: purse, authority, notices,
// listener, relay (README.md, "Configuration"). The top-level keys are in config.cpp.
#include "host/home_server/daemon/config_detail.hpp"
#include "host/home_server/sessions/shop_url.hpp"

namespace hp::home_server::config_detail {

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

namespace {

// A string member of the notices section: `field` of NoticesConfig, empty allowed or not.
Setter noticesString(const std::string& key, std::string NoticesConfig::*field, bool mayBeEmpty) {
  return [key, field, mayBeEmpty](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
    auto text = mayBeEmpty ? anyString(v, "notices." + key) : nonEmptyString(v, "notices." + key);
    if (!text) return text.error();
    c.notices.*field = *text;
    return {};
  };
}

}  // namespace

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

}  // namespace hp::home_server::config_detail
