// The configs hp_provision writes for the e-money servers of the demo world: shop.json for
// tools/shop_server and bank.json for tools/bank_server (their READMEs list the keys). Paths in
// them are relative: both servers resolve them from the config file's folder, so the world can
// be moved as a whole.
#pragma once

#include <string>

#include "tools/provision/output_files.hpp"

namespace hp::provision {

// The shop: its TLS files, signing key, shop ID (= the shop host, as registry 02 knows it),
// SQLite orders and a small catalogue in the purse's currency.
std::string shopServerJson(const WorldDescription& world);
// The bank: its TLS files, voucher-signing key, bank ID (as registry 03 knows it), SQLite.
std::string bankServerJson(const WorldDescription& world);
// The bank's base URL as the terminal's topup takes it; PORT when the kernel picks the port.
std::string bankUrl(const WorldDescription& world);
// The shop's base URL as buy and cancel take it; PORT when the kernel picks the port.
std::string shopUrl(const WorldDescription& world);

}  // namespace hp::provision
