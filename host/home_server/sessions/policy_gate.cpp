#include "host/home_server/sessions/policy_gate.hpp"

#include "host/home_server/sessions/shop_url.hpp"
#include "protocol/rpc/method_table.hpp"

namespace hp::home_server {

namespace {

std::string_view familyOf(std::string_view method) {
  for (const auto& info : protocol::rpc::methodTable()) {
    if (info.name == method) return info.family;
  }
  return {};
}

// The methods that reach a shop, and so are bound to the policy's shops.
bool reachesShop(std::string_view method) {
  return method == "session.open" || method == "relay.request" || method == "purse.pay";
}

protocol::rpc::RpcError denied(const std::string& message) {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kPolicyDenied, message);
}

}  // namespace

protocol::rpc::Gate policyGate(PolicyStore& policies, ServerLog& log,
                               std::function<uint64_t()> nowUnix,
                               std::function<void(const std::string& terminal)> expired) {
  return [&policies, &log, nowUnix = std::move(nowUnix), expired = std::move(expired)](
             const protocol::rpc::Request& request,
             const protocol::rpc::CallContext& caller) -> std::optional<protocol::rpc::RpcError> {
    const TerminalPolicy policy = policies.effective(caller.terminalId);
    const std::string who = "terminal " + caller.terminalId + " (" + policy.kind + ")";
    std::optional<protocol::rpc::RpcError> refusal;
    const bool isExpired = policy.expires != 0 && nowUnix() > policy.expires;
    if (isExpired) {
      refusal = denied(who + ": its policy expired");
    } else if (!policy.allowsMethod(request.method, familyOf(request.method))) {
      refusal = denied(who + " may not call " + request.method);
    } else if (reachesShop(request.method) && request.params.isObject() &&
               request.params["url"].isString()) {
      // A URL that does not parse is the handler's invalid_params; one that does must be a
      // shop of the policy.
      auto url = parseShopUrl(request.params["url"].asString());
      if (url && !policy.allowsShop(url->host)) {
        refusal = denied(who + " may not reach " + url->host);
      }
    }
    if (refusal) log.warn("rpc " + caller.terminalId + " " + request.method + ": policy_denied");
    // Expired: the terminal is revoked now, this channel included (its answer may not arrive).
    if (isExpired && expired) {
      expired(caller.terminalId);
    }
    return refusal;
  };
}

}  // namespace hp::home_server
