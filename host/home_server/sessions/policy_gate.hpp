// The terminal policies' gate in front of every method a terminal calls over its channel
// (rpc::Dispatcher::setGate): an expired policy, a method outside the policy, or a session, relay
// request or payment to a shop outside it is policy_denied before the handler runs. Amounts are
// the purse's part (purse/pay_policy.hpp): they need the reservation next to the DEBIT.
// An expired policy also ends the terminal (`expired`, the daemon's revocation: authority only
// while allowed, as an ssh-agent's key only while its lifetime lasts); the request is refused
// whatever that does.
#pragma once

#include <functional>

#include "host/home_server/core/server_log.hpp"
#include "host/home_server/terminals/policy_store.hpp"
#include "protocol/rpc/dispatcher.hpp"

namespace hp::home_server {

protocol::rpc::Gate policyGate(PolicyStore& policies, ServerLog& log,
                               std::function<uint64_t()> nowUnix,
                               std::function<void(const std::string& terminal)> expired = {});

}  // namespace hp::home_server
