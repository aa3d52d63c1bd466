// The home's appliance bus (docs/appliances.md): hp_provision issues, from the home CA, a
// certificate for the MQTT broker, one for the home server's MQTT client and one per appliance,
// and writes the broker's mosquitto.conf (TLS only, client certificates required, the
// certificate's CN as the user name) and its ACL (each appliance only its own topics; the home
// server every appliance topic). Everything goes to OUT/mqtt/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "tools/provision/pki.hpp"

namespace hp::provision {

// One appliance as the broker knows it: its name (the certificate's CN, the MQTT user name and
// client ID, the object ID in its topics) and its Home Assistant component.
struct ApplianceSpec {
  std::string name;
  std::string component;  // switch, light, lock, climate, sensor
};

struct ApplianceWorld {
  std::string outDir;  // absolute; the files go to outDir + "/mqtt"
  std::string brokerAddress = "127.0.0.1";
  uint16_t brokerPort = 8883;
  std::vector<ApplianceSpec> appliances;
};

// The default set: the simulated appliances of tools/appliance_sim plus "fan", a switch for
// devices written by someone else (tests/appliances/third_party_device.sh).
inline constexpr char kDefaultAppliances[] =
    "lamp:light,plug:switch,door:lock,thermostat:climate,temperature:sensor,fan:switch";

// "name:component,...": names 1-32 of [a-z0-9_-] (they go into topics, file names and the
// ACL), no duplicates, no "home-server" or "broker"; components from the list above.
Result<std::vector<ApplianceSpec>> parseApplianceList(const std::string& text);

// The MQTT topics of an appliance (docs/appliances.md, "Topics").
std::string discoveryTopic(const ApplianceSpec& appliance);
std::string applianceTopicRoot(const std::string& name);  // "hp/NAME"

std::string mosquittoConf(const ApplianceWorld& world);
std::string mosquittoAcl(const ApplianceWorld& world);

// Writes OUT/mqtt/ (0700): ca.pem, broker.pem/.key, home-server.pem/.key, NAME.pem/.key for
// each appliance, mosquitto.conf, mosquitto.acl. caPem is the CA's certificate; the CA's name
// is kCaName of main.cpp (passed in). Returns how many files were written.
Result<size_t> writeApplianceFiles(const ApplianceWorld& world, const std::string& caPem,
                                   const std::string& caName, PkKey& caKey, Drbg& drbg);

}  // namespace hp::provision
