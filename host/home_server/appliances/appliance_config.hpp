// The "appliances" section of home_server.json (docs/appliances.md): where the broker is and
// the home server's MQTT identity. Absent: no appliance wing, the methods answer not_found.
#pragma once

#include <cstdint>
#include <string>

namespace hp::home_server {

struct ApplianceConfig {
  bool enabled = false;
  std::string brokerHost = "127.0.0.1";
  uint16_t brokerPort = 8883;
  std::string caFile, certFile, keyFile;
  std::string clientId = "home-server";
  uint32_t confirmMs = 3000;      // how long a set waits for the device's state echo
  uint32_t maxAppliances = 1024;  // announcements past this are ignored (logged)
  uint32_t reconnectMaxMs = 10'000;
};

}  // namespace hp::home_server
