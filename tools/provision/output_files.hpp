// The files hp_provision writes: secrets with mode 0600 (created so, never widened later), the
// rest 0644; and the texts of home_server.json, nginx-shop.conf and README.txt.
#pragma once

#include <cstdint>
#include <string>

#include "bytes.hpp"
#include "result.hpp"

namespace hp::provision {

Result<void> writeFile(const std::string& path, ByteView content, bool secret);

struct WorldDescription {
  std::string outDir;  // absolute
  std::string shopHost;
  std::string homeListenAddress;
  uint16_t homeListenPort = 8443;
  std::string homeReader;  // empty: the home server finds the card by AID
  std::string terminalId;
  // The e-money purse (docs/emoney.md).
  std::string bankId = "bank";
  std::string bankHost = "localhost";
  std::string currency = "EUR";
  uint64_t maxBalance = 100'000;
  std::string purseId;  // hex, as the card chose it
};

std::string homeServerJson(const WorldDescription& world);
std::string nginxShopConf(const WorldDescription& world);
std::string readmeText(const WorldDescription& world);

}  // namespace hp::provision
