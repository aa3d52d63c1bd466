// The PIM wing's RPC methods (docs/rpc.md): pim.request and pim.more, as
// protocol/rpc/pim_methods.hpp declares them; the logic is PimRelay's. Logged like every method
// (method, caller, outcome code), never with a path or body.
#pragma once

#include "host/home_server/core/server_log.hpp"
#include "host/home_server/pim/pim_relay.hpp"
#include "host/home_server/sessions/authority_guard.hpp"
#include "protocol/rpc/dispatcher.hpp"

namespace hp::home_server {

Result<void> registerPimMethods(protocol::rpc::Dispatcher& dispatcher, PimRelay& relay,
                                ServerLog& log, AuthorityGuard& authority);

}  // namespace hp::home_server
