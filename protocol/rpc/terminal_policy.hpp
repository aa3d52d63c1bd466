// A registered terminal's policy as it travels (terminal.list, terminal.policy) and as the home
// server stores it (host/home_server/terminals/policy_store.hpp): what kind of terminal it is,
// which methods it may call, how much it may pay and where, when it needs PIN2, and until when
// it may be used at all (docs/proxy-architecture.md, "Terminal policies").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/purse/purse_records.hpp"
#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

struct TerminalPolicy {
  static constexpr std::array<std::string_view, 7> kFields{
      "kind", "methods", "per_payment", "per_day", "shops", "pin_only_max", "expires"};
  std::string kind;  // phone, pc or till
  // Method names ("purse.pay") or whole families ("purse"); "*" for every method.
  std::vector<std::string> methods;
  uint64_t perPayment = 0;         // minor units, 0: no limit
  uint64_t perDay = 0;             // per UTC day, 0: no limit
  std::vector<std::string> shops;  // host names it may pay and open sessions to; empty: any
  // Payments up to this go with the access card's PIN alone (the channel), no PIN2; 0: never.
  uint64_t pinOnlyMax = 0;
  uint64_t expires = 0;  // Unix time after which the terminal is refused; 0: never

  bool allowsMethod(std::string_view name, std::string_view family) const;
  bool allowsShop(std::string_view host) const;
  Json::Value toJson() const;
  static RpcResult<TerminalPolicy> fromJson(const Json::Value& json);
};

bool isTerminalKind(std::string_view kind);

// The card accepts a DEBIT without PIN2 up to this amount (docs/emoney.md, "PIN-only
// payments"); a policy's pin_only_max above it is refused.
inline constexpr uint64_t kPinOnlyCardMax = protocol::purse::kPinOnlyDebitMax;

}  // namespace hp::protocol::rpc
