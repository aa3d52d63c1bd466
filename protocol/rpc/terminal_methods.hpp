// terminals.*: what one of the user's terminals may do about another (docs/rpc.md): revoke a
// lost or stolen access card from a terminal the user still holds, with PIN2 (the admin socket's
// terminal.revoke does the same at home).
#pragma once

#include "protocol/rpc/admin_methods.hpp"

namespace hp::protocol::rpc {

struct TerminalsRevoke {
  static constexpr std::string_view kName = "terminals.revoke";
  static constexpr std::string_view kFamily = "terminals";
  static constexpr Access kAccess = Access::kTerminalPin2;
  using Params = TerminalRevoke::Params;
  using Result = NoResult;
};

}  // namespace hp::protocol::rpc
