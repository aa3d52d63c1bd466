// The terminal methods of the assembled server: terminal.register (with the kind's default
// policy), terminal.revoke, terminal.list (with kinds and policies) and terminal.policy on the
// admin socket, and terminals.revoke over the channel: a lost access card revoked from another
// of the user's terminals, with PIN2 (docs/proxy-architecture.md, "A lost access card").
#include "host/home_server/daemon/home_server.hpp"
#include "host/home_server/sessions/rpc_methods.hpp"
#include "protocol/rpc/terminal_methods.hpp"

namespace hp::home_server {

namespace {

namespace wire = protocol::rpc;
using protocol::rpc::RpcError;
template <class M>
using Answer = Result<typename M::Result, RpcError>;

RpcError invalid(const std::string& message) {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams, message);
}

// The policy after `set`: a new kind alone starts from that kind's defaults, then the members
// given replace the current ones; the result is read as strictly as any policy.
Result<TerminalPolicy, RpcError> changedPolicy(const TerminalPolicy& current,
                                               const Json::Value& set, uint64_t nowUnix) {
  Json::Value merged = current.toJson();
  if (set.isMember("kind") && set["kind"].isString() && set["kind"].asString() != current.kind) {
    const std::string shop = current.shops.empty() ? std::string() : current.shops.front();
    merged = defaultPolicy(set["kind"].asString(), shop, nowUnix).toJson();
  }
  for (const std::string& member : set.getMemberNames()) merged[member] = set[member];
  auto policy = TerminalPolicy::fromJson(merged);
  // A till with no shop would pay anywhere.
  if (policy && policy->kind == "till" && policy->shops.empty()) {
    return invalid("a till needs its shop: set \"shops\"");
  }
  return policy;
}

}  // namespace

Result<void, RpcError> HomeServer::revokeTerminal(const std::string& id, const std::string& by) {
  if (auto revoked = terminals_->revokeTerminal(id); !revoked) {
    return protocol::rpc::makeRpcError(protocol::rpc::code::kNotFound, revoked.error().message);
  }
  // Its resumption tickets go too, or it could come back without a full handshake.
  tickets_.revokeTerminal(id);
  // Its PIN2 authority ends at once, its shop sessions go, and with no terminal left holding
  // authority the card returns to standby.
  authority_->revoked(id);
  // And its open channels: a revoked terminal must not keep using a channel it opened before
  // (the listener also re-checks each channel right after its handshake).
  const size_t closed = listener_ ? listener_->closeTerminal(id) : 0;
  if (notices_) {
    notices_->event("homeproxy: terminal " + id + " revoked",
                    "The terminal (access card) " + id + " was revoked by " + by +
                        ".\nIts PIN2 authority, shop sessions and " + std::to_string(closed) +
                        " open channel(s) ended at once; it can no longer connect.\n"
                        "If you did not do this, check your terminals at home:\n"
                        "  home_server --admin SOCKET list-terminals\n");
  }
  log_.transition("terminal " + id, "registered",
                  "revoked" +
                      (closed > 0 ? " (" + std::to_string(closed) + " open channel(s) closed)"
                                  : std::string()) +
                      " by " + by);
  return {};
}

// Long on purpose: a table of the terminal methods, one short lambda each.
// NOLINTNEXTLINE(readability-function-size)
Result<void> HomeServer::registerTerminalAdminMethods() {
  Result<void> added = wire::registerMethod<wire::TerminalRegister>(
      adminMethods_,
      [this](const wire::TerminalRegister::Params& params,
             const protocol::rpc::CallContext&) -> Answer<wire::TerminalRegister> {
        const std::string kind = params.kind.value_or("phone");
        if (kind == "till" && !params.shop) return invalid("a till needs its shop (host name)");
        if (auto registered = terminals_->registerTerminal(params.id, params.key); !registered) {
          return invalid(registered.error().message);
        }
        // A new registration starts from its kind's defaults, whatever the ID had before.
        auto stored = policies_->set(
            params.id, defaultPolicy(kind, params.shop.value_or(""), parts_.unixNow()));
        if (!stored)
          return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                             stored.error().message);
        log_.transition("terminal " + params.id, "unknown", "registered (" + kind + ")");
        // No grant of an earlier registration under this ID carries over.
        authority_->registered(params.id);
        return wire::NoResult{};
      });
  if (added) {
    added = wire::registerMethod<wire::TerminalRevoke>(
        adminMethods_,
        [this](const wire::TerminalRevoke::Params& params,
               const protocol::rpc::CallContext&) -> Answer<wire::TerminalRevoke> {
          if (auto revoked = revokeTerminal(params.id, "the admin"); !revoked)
            return revoked.error();
          return wire::NoResult{};
        });
  }
  if (added) {
    added = addMethod<wire::TerminalsRevoke>(
        methods_, log_, *authority_,
        [this](const wire::TerminalRevoke::Params& params,
               const protocol::rpc::CallContext& caller) -> Answer<wire::TerminalsRevoke> {
          if (auto revoked = revokeTerminal(params.id, "terminal " + caller.terminalId); !revoked) {
            return revoked.error();
          }
          return wire::NoResult{};
        });
  }
  if (added) {
    added = wire::registerMethod<wire::TerminalList>(
        adminMethods_,
        [this](const wire::NoParams&,
               const protocol::rpc::CallContext&) -> Answer<wire::TerminalList> {
          auto all = terminals_->list();
          if (!all)
            return protocol::rpc::makeRpcError(protocol::rpc::code::kCardError,
                                               all.error().message);
          wire::TerminalList::Result result;
          for (const TerminalEntry& entry : *all) {
            TerminalPolicy policy = policies_->effective(entry.id);
            result.terminals.push_back(
                {entry.id, toHex(entry.publicKey), entry.revoked, policy.kind, std::move(policy)});
          }
          return result;
        });
  }
  if (added) {
    added = wire::registerMethod<wire::TerminalPolicySet>(
        adminMethods_,
        [this](const wire::TerminalPolicySet::Params& params,
               const protocol::rpc::CallContext&) -> Answer<wire::TerminalPolicySet> {
          auto key = terminals_->terminalKey(params.id);
          if (!key)
            return protocol::rpc::makeRpcError(protocol::rpc::code::kNotFound,
                                               "no terminal " + params.id);
          auto policy =
              changedPolicy(policies_->effective(params.id), params.set, parts_.unixNow());
          if (!policy) return policy.error();
          if (auto stored = policies_->set(params.id, *policy); !stored) {
            return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                               stored.error().message);
          }
          log_.info("terminal " + params.id + ": policy changed");
          return *policy;
        });
  }
  return added;
}

}  // namespace hp::home_server
