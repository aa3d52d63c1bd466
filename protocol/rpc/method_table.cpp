#include "protocol/rpc/method_table.hpp"

#include <array>

#include "protocol/rpc/admin_methods.hpp"
#include "protocol/rpc/appliance_methods.hpp"
#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/pim_methods.hpp"
#include "protocol/rpc/purse_methods.hpp"
#include "protocol/rpc/relay_methods.hpp"
#include "protocol/rpc/session_methods.hpp"
#include "protocol/rpc/terminal_methods.hpp"

namespace hp::protocol::rpc {

namespace {

template <class M>
constexpr MethodInfo info() {
  FieldList items;
  if constexpr (requires { typename M::Result::Item; }) items = M::Result::Item::kFields;
  return MethodInfo{M::kName,           M::kFamily,         M::kAccess,
                    M::Params::kFields, M::Result::kFields, items};
}

// A new method type is listed here, or docs/rpc.md and the registration checks never see it.
constexpr std::array kMethods{
    info<CardStatus>(),   info<CardPin2>(),         info<CardFinish>(),
    info<SessionOpen>(),  info<SessionList>(),      info<SessionDrop>(),
    info<RelayRequest>(), info<PurseBalance>(),     info<PurseHistory>(),
    info<PursePay>(),     info<PurseCancel>(),      info<PurseTopup>(),
    info<AdminPin1>(),    info<TerminalRegister>(), info<TerminalRevoke>(),
    info<TerminalList>(), info<TerminalsRevoke>(),  info<TerminalPolicySet>(),
    info<AdminStatus>(),  info<ApplianceList>(),    info<ApplianceStateMethod>(),
    info<ApplianceSet>(), info<PimRequest>(),       info<PimMore>(),
};

std::string fieldsText(FieldList fields) {
  if (fields.empty()) return "-";
  std::string text;
  for (std::string_view field : fields) {
    if (!text.empty()) text += ", ";
    text += "`" + std::string(field) + "`";
  }
  return text;
}

}  // namespace

std::span<const MethodInfo> methodTable() {
  return kMethods;
}

std::string methodTableMarkdown() {
  std::string text =
      "| method | family | params | result | who may call |\n"
      "|---|---|---|---|---|\n";
  for (const MethodInfo& method : kMethods) {
    text += "| `" + std::string(method.name) + "` | " + std::string(method.family) + " | " +
            fieldsText(method.params) + " | " + fieldsText(method.result) +
            (method.resultItems.empty() ? "" : ": [" + fieldsText(method.resultItems) + "]") +
            " | " + std::string(accessName(method.access)) + " |\n";
  }
  return text;
}

}  // namespace hp::protocol::rpc
