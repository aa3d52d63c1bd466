// The files hp_provision writes: secrets with mode 0600 (created so, never widened later), the
// rest 0644; and the texts of home_server.json (with its purse and notices sections),
// nginx-shop.conf and README.txt. shop.json and bank.json are in server_configs.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "tools/provision/appliance_files.hpp"

namespace hp::provision {

Result<void> writeFile(const std::string& path, ByteView content, bool secret);

struct WorldDescription {
  std::string outDir;  // absolute
  std::string shopHost;
  std::string homeListenAddress;
  uint16_t homeListenPort = 8443;
  std::string homeReader;   // empty: the home server finds the card by AID
  std::string homeCardKey;  // hex: the home card's card authentication key, pinned
  std::string terminalId;
  // The e-money purse (docs/emoney.md).
  std::string bankId = "bank";
  std::string bankHost = "localhost";
  std::string currency = "EUR";
  uint64_t maxBalance = 100'000;
  std::string purseId;  // hex, as the card chose it
  // Where the shop and bank servers listen (port 0: the kernel picks; the server prints it).
  std::string shopListen = "127.0.0.1:4443";
  std::string bankListen = "127.0.0.1:9443";
  // The user's account at the bank, opened with bank_server --open-account (README.txt).
  std::string bankAccount = "alice";
  uint64_t bankOpeningBalance = 300'000;
  uint32_t reconcileSeconds = 60;  // how often the home server re-presents unfinished top-ups
  // Payment notices: where the home server mails every log entry of the card.
  std::string smtpUrl = "smtp://127.0.0.1:2525";
  std::string mailFrom = "homeproxy@localhost";
  std::string mailTo = "user@localhost";
  uint32_t noticesPeriodSeconds = 60;
  // The appliance broker (appliance_files.hpp) and the appliances with certificates.
  std::string mqttAddress = "127.0.0.1";
  uint16_t mqttPort = 8883;
  std::vector<ApplianceSpec> appliances;
  // The personal information store (docs/pim.md): Radicale's loopback port, the terminal's user.
  uint16_t pimPort = 5232;
  std::string pimUser = "alice";
  // "home card PIN1 1234", ...: the PINs and PUKs left at hp_provision's defaults, written into
  // README.txt (a PIN given as an option is never written anywhere).
  std::vector<std::string> defaultPins;
};

std::string homeServerJson(const WorldDescription& world);
std::string nginxShopConf(const WorldDescription& world);
std::string readmeText(const WorldDescription& world);
// radicale.conf (pim_store.cpp): loopback only, the user from the home server's X-Remote-User,
// owner-only rights, storage in OUT/pim with a git hook committing every change.
std::string radicaleConf(const WorldDescription& world);

}  // namespace hp::provision
