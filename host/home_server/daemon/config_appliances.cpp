// The "appliances" section of the home server's configuration (appliance_config.hpp).
#include "host/home_server/daemon/config_detail.hpp"

namespace hp::home_server::config_detail {

namespace {

Setter applianceString(const std::string& key, std::string ApplianceConfig::*field) {
  return [key, field](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
    auto text = nonEmptyString(v, "appliances." + key);
    if (!text) return text.error();
    c.appliances.*field = *text;
    return {};
  };
}

Setter applianceNumber(const std::string& key, uint64_t low, uint64_t high,
                       uint32_t ApplianceConfig::*field) {
  return [key, low, high, field](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
    auto number = integerIn(v, "appliances." + key, low, high);
    if (!number) return number.error();
    c.appliances.*field = static_cast<uint32_t>(*number);
    return {};
  };
}

}  // namespace

const std::map<std::string, Setter>& applianceSetters() {
  static const std::map<std::string, Setter> table = {
      {"broker_host", applianceString("broker_host", &ApplianceConfig::brokerHost)},
      {"broker_port",
       [](const Json::Value& v, HomeServerConfig& c) -> Result<void> {
         auto port = integerIn(v, "appliances.broker_port", 1, 65535);
         if (!port) return port.error();
         c.appliances.brokerPort = static_cast<uint16_t>(*port);
         return {};
       }},
      {"ca_file", applianceString("ca_file", &ApplianceConfig::caFile)},
      {"cert_file", applianceString("cert_file", &ApplianceConfig::certFile)},
      {"key_file", applianceString("key_file", &ApplianceConfig::keyFile)},
      {"client_id", applianceString("client_id", &ApplianceConfig::clientId)},
      {"confirm_ms", applianceNumber("confirm_ms", 10, 60'000, &ApplianceConfig::confirmMs)},
      {"max_appliances",
       applianceNumber("max_appliances", 1, 100'000, &ApplianceConfig::maxAppliances)},
      {"reconnect_max_ms",
       applianceNumber("reconnect_max_ms", 100, 600'000, &ApplianceConfig::reconnectMaxMs)},
  };
  return table;
}

}  // namespace hp::home_server::config_detail
