// The home server's RPC methods (docs/rpc.md): card.*, session.* and relay.request, as
// protocol/rpc declares them (names, typed params, who may call).
// Every call is logged as one line (method, caller, outcome code), never with its params:
// they may hold a PIN or a request body.
#pragma once

#include "host/home_server/card/home_card.hpp"
#include "host/home_server/core/server_log.hpp"
#include "host/home_server/sessions/authority_guard.hpp"
#include "host/home_server/sessions/relay.hpp"
#include "host/home_server/sessions/session_manager.hpp"
#include "protocol/rpc/dispatcher.hpp"
#include "protocol/rpc/method.hpp"

namespace hp::home_server {

struct MethodContext {
  HomeCard* card = nullptr;
  SessionManager* sessions = nullptr;
  ServerLog* log = nullptr;
  // The authority model (docs/control-channel.md, "Authority"): card.pin2 grants, card.finish
  // ends, session.open and relay.request are admitted by it.
  AuthorityGuard* authority = nullptr;
  RelayOptions relay;
};

Result<void> registerHomeServerMethods(protocol::rpc::Dispatcher& dispatcher,
                                       const MethodContext& context);

// Wraps a handler so each call is logged as one line (method, caller, outcome code).
protocol::rpc::Handler loggedHandler(ServerLog& log, std::string method,
                                     protocol::rpc::Handler handler);
// Wraps a handler that needs the caller's live PIN2 authority: admitted first (before its
// params are even read), and a card refusal for want of PIN2 afterwards becomes pin2_required.
protocol::rpc::Handler authorizedHandler(AuthorityGuard& authority, protocol::rpc::Handler handler,
                                         CardCheck check = CardCheck::kEveryCall);

// Registers the contract's method M with a handler taking M::Params and returning M::Result:
// PIN2 admission first when M's access rule asks for it, and the log line around everything.
template <class M, class F>
Result<void> addMethod(protocol::rpc::Dispatcher& dispatcher, ServerLog& log,
                       AuthorityGuard& authority, F handler,
                       CardCheck check = CardCheck::kEveryCall) {
  return protocol::rpc::registerMethod<M>(
      dispatcher, std::move(handler),
      [&log, &authority, check](std::string name, protocol::rpc::Access access,
                                protocol::rpc::Handler typed) {
        if (access == protocol::rpc::Access::kTerminalPin2) {
          typed = authorizedHandler(authority, std::move(typed), check);
        }
        return loggedHandler(log, std::move(name), std::move(typed));
      });
}

}  // namespace hp::home_server
