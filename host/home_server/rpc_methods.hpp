// The home server's RPC methods (docs/proxy-architecture.md, "RPC methods"): card.status,
// card.pin2, card.finish, session.open, session.list, session.drop, relay.request.
// Every call is logged as one line (method, caller, outcome code), never with its params:
// they may hold a PIN or a request body.
#pragma once

#include "authority_guard.hpp"
#include "dispatcher.hpp"
#include "home_card.hpp"
#include "relay.hpp"
#include "server_log.hpp"
#include "session_manager.hpp"

namespace hp::home {

struct MethodContext {
  HomeCard* card = nullptr;
  SessionManager* sessions = nullptr;
  ServerLog* log = nullptr;
  // The authority model (docs/control-channel.md, "Authority"): card.pin2 grants, card.finish
  // ends, session.open and relay.request are admitted by it.
  AuthorityGuard* authority = nullptr;
  RelayOptions relay;
};

Result<void> registerHomeServerMethods(rpc::Dispatcher& dispatcher, const MethodContext& context);

// Wraps a handler so each call is logged as one line (method, caller, outcome code).
rpc::Handler loggedHandler(ServerLog& log, std::string method, rpc::Handler handler);
// Wraps a handler that needs the caller's live PIN2 authority: admitted first (before its
// params are even read), and a card refusal for want of PIN2 afterwards becomes pin2_required.
rpc::Handler authorizedHandler(AuthorityGuard& authority, rpc::Handler handler,
                               CardCheck check = CardCheck::kEveryCall);

}  // namespace hp::home
