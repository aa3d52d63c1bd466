// The purse's RPC methods (docs/rpc.md): purse.balance, purse.history, purse.pay, purse.cancel,
// purse.topup, as protocol/rpc/purse_methods.hpp declares them (params read strictly there); the
// logic is PurseService's. Logged like every method: method, caller, outcome code, never the
// params.
#pragma once

#include "host/home_server/core/server_log.hpp"
#include "host/home_server/purse/pay_policy.hpp"
#include "host/home_server/purse/purse_service.hpp"
#include "host/home_server/sessions/authority_guard.hpp"
#include "protocol/rpc/dispatcher.hpp"

namespace hp::home_server {

// purse.pay, purse.topup and purse.cancel move money with the card's key: their contract says
// they need the caller's live PIN2 authority (authorizedHandler); balance and history are reads.
// purse.pay goes under the terminals' policies (pay_policy.hpp); a default PayPolicy has none.
Result<void> registerPurseMethods(protocol::rpc::Dispatcher& dispatcher, PurseService& purse,
                                  ServerLog& log, AuthorityGuard& authority,
                                  const PayPolicy& policy = {});

// A log entry as the methods show it: party and order references as text, a voucher ID in hex.
Json::Value logEntryJson(const protocol::purse::LogEntry& entry);

}  // namespace hp::home_server
