// The "pim" section of the home server's configuration (docs/pim.md): Radicale's loopback port,
// the terminal -> Radicale user map and the limits. README.md, "Configuration".
#include "host/home_server/daemon/config_detail.hpp"

namespace hp::home_server::config_detail {

namespace {

// Radicale user names as they appear in collection paths: no '/', no escapes to reason about.
bool plainUserName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const std::map<std::string, Setter>& pimSetters() {
  static const std::map<std::string, Setter> table = {
      {"radicale_port",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto port = integerIn(v, "pim.radicale_port", 1, 65535);
         if (!port) return port.error();
         c.pim.radicalePort = static_cast<uint16_t>(*port);
         return {};
       }},
      {"users",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         if (!v.isObject()) return keyError("pim.users", "must be an object {terminal: user}");
         for (const std::string& terminal : v.getMemberNames()) {
           const Json::Value& user = v[terminal];
           if (!user.isString() || !plainUserName(user.asString())) {
             return keyError("pim.users." + terminal,
                             "must be a user name of letters, digits, - _ . (1 to 64)");
           }
           c.pim.users[terminal] = user.asString();
         }
         return {};
       }},
      {"max_response_bytes",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto bytes = integerIn(v, "pim.max_response_bytes", 64 * 1024, 256 * 1024 * 1024);
         if (!bytes) return bytes.error();
         c.pim.maxResponseBytes = static_cast<size_t>(*bytes);
         return {};
       }},
      {"timeout_ms",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto ms = integerIn(v, "pim.timeout_ms", 100, 600000);
         if (!ms) return ms.error();
         c.pim.timeoutMs = static_cast<uint32_t>(*ms);
         return {};
       }},
  };
  return table;
}

}  // namespace hp::home_server::config_detail
