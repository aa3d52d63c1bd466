#include "tools/bank_server/bank_config.hpp"

#include <charconv>

#include "protocol/purse/purse_records.hpp"

namespace hp::bank_server {

namespace {

Result<uint64_t> parseAmount(const std::string& text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return makeError("--balance must be a non-negative integer (minor units)");
  }
  return value;
}

}  // namespace

Result<BankConfig> parseBankArguments(const std::vector<std::string>& args) {
  BankConfig config;
  auto applied = merchant::applyConfigFiles(
      args, config.server, [&config](const Json::Value& file, const std::string&) -> Result<void> {
        if (auto id = merchant::readStringKey(file, "bank_id", config.bankId); !id) return id;
        if (file.isMember("voucher_expiry_seconds")) {
          const Json::Value& v = file["voucher_expiry_seconds"];
          if (!v.isUInt64() || v.asUInt64() == 0) {
            return makeError("voucher_expiry_seconds must be a positive integer");
          }
          config.voucherExpirySeconds = v.asUInt64();
        }
        return {};
      });
  if (!applied) return applied.error();
  OpenAccountCommand open;
  bool opening = false;
  bool haveBalance = false;
  for (size_t at = 0; at < args.size();) {
    auto used = merchant::parseServerFlag(args, at, config.server);
    if (!used) return used.error();
    if (*used > 0) {
      at += *used;
      continue;
    }
    const std::string& flag = args[at];
    if (flag == "--balances") {
      config.printBalances = true;
      ++at;
      continue;
    }
    if (at + 1 >= args.size()) return makeError("unknown option or missing value: " + flag);
    const std::string& value = args[at + 1];
    if (flag == "--config") {
      // applied above
    } else if (flag == "--bank-id") {
      config.bankId = value;
    } else if (flag == "--voucher-expiry-seconds") {
      auto seconds = parseAmount(value);
      if (!seconds || *seconds == 0) {
        return makeError("--voucher-expiry-seconds must be a positive integer");
      }
      config.voucherExpirySeconds = *seconds;
    } else if (flag == "--open-account") {
      open.id = value;
      opening = true;
    } else if (flag == "--owner-cert") {
      open.ownerCert = value;
    } else if (flag == "--currency") {
      open.currency = value;
    } else if (flag == "--balance") {
      auto amount = parseAmount(value);
      if (!amount) return amount.error();
      open.balance = *amount;
      haveBalance = true;
    } else {
      return makeError("unknown option " + flag);
    }
    at += 2;
  }
  if (config.bankId.empty() || config.bankId.size() > protocol::purse::kMaxPartyIdSize) {
    return makeError("bank ID must be 1..32 bytes (it is the card's bank registry ID)");
  }
  if (opening && config.printBalances) return makeError("--open-account and --balances: pick one");
  if (config.server.dbPath.empty()) return makeError("missing --db");
  if (opening) {
    if (open.id.empty() || open.id.size() > 64) return makeError("account ID must be 1..64 bytes");
    if (open.ownerCert.empty()) return makeError("--open-account needs --owner-cert PEM");
    if (!haveBalance) return makeError("--open-account needs --balance N");
    if (!protocol::purse::validCurrency(open.currency)) {
      return makeError("--currency must be three upper-case letters (ISO 4217)");
    }
    config.openAccount = open;
    return config;
  }
  if (config.printBalances) return config;
  if (auto ok = merchant::checkServerOptions(config.server); !ok) return ok.error();
  return config;
}

}  // namespace hp::bank_server
