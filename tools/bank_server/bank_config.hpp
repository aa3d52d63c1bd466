// The bank's settings: the common server options plus its bank ID (the name the home card's
// bank registry knows it by; it is in every voucher it signs). And the admin commands that run
// against the database and exit: open an account for a certificate, print the balances.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "result.hpp"
#include "server_options.hpp"

namespace hp::bank {

struct OpenAccountCommand {
  std::string id;
  std::string ownerCert;
  uint64_t balance = 0;
  std::string currency;
};

struct BankConfig {
  merchant::ServerOptions server;
  std::string bankId = "bank";
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
    "  --bank-id ID           default \"bank\" (the home card's bank registry ID)\n";

}  // namespace hp::bank
