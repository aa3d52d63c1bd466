// Every RPC method in one table, built from the method types themselves: docs/rpc.md shows it
// (tests/rpc/method_table_test.cpp fails when the two differ) and a server can check that it
// registered what the contract says.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

struct MethodInfo {
  std::string_view name;
  std::string_view family;
  Access access;
  FieldList params;
  FieldList result;
  FieldList resultItems;  // the members of each element of a result that is one list
};

std::span<const MethodInfo> methodTable();

// The table as docs/rpc.md shows it (a Markdown table, one row per method).
std::string methodTableMarkdown();

}  // namespace hp::protocol::rpc
