// Every method family of the RPC contract at once, with call<>/registerMethod<>: for tests and
// tools that speak to the whole server. Product code includes the family it uses.
#pragma once

#include <string>

#include "protocol/rpc/admin_methods.hpp"
#include "protocol/rpc/appliance_methods.hpp"
#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/pim_methods.hpp"
#include "protocol/rpc/purse_methods.hpp"
#include "protocol/rpc/relay_methods.hpp"
#include "protocol/rpc/session_methods.hpp"
#include "protocol/rpc/terminal_methods.hpp"

namespace hp::protocol::rpc {

// A method's name as a string, for APIs that take one (a raw request, a log line to match).
template <class M>
std::string nameOf() {
  return std::string(M::kName);
}

}  // namespace hp::protocol::rpc
