// The bank's settings: the common server options plus its bank ID (the name the home card's
// bank registry knows it by; it is in every voucher it signs). And the admin commands that run
// against the database and exit: open an account for a certificate, print the balances.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "tools/merchant/server_options.hpp"

namespace hp::bank_server {

struct OpenAccountCommand {
  std::string id;
  std::string ownerCert;
  uint64_t balance = 0;
  std::string currency;
};

struct BankConfig {
  merchant::ServerOptions server;
  std::string bankId = "bank";
  // An issued voucher nobody confirmed for this long may be superseded: a new top-up for its
  // slot voids it and gets a new voucher for the same slot (bank_api.hpp; docs/emoney.md).
  uint64_t voucherExpirySeconds = 900;
  // Admin mode (no server): exactly one of these.
  std::optional<OpenAccountCommand> openAccount;
  bool printBalances = false;
};

Result<BankConfig> parseBankArguments(const std::vector<std::string>& args);

inline constexpr const char* kBankUsage =
    "usage: bank_server [--config FILE] [options]                 run the bank\n"
    "       bank_server --db FILE --open-account ID --owner-cert PEM --balance N --currency CUR\n"
    "       bank_server --db FILE --balances\n"
    "  --config FILE          JSON: the options below by their long names with '_' for '-'\n"
    "  --bank-id ID           default \"bank\" (the home card's bank registry ID)\n"
    "  --voucher-expiry-seconds N  an unconfirmed voucher's slot is freed after N s (900)\n";

}  // namespace hp::bank_server
