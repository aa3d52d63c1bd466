// Reading a method's params strictly: every handler states the members it accepts and their
// types, so a typo in a client ("pim") is an invalid_params error instead of a silent default.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "protocol/rpc/message.hpp"

namespace hp::protocol::rpc {

// invalid_params unless every member of params is one of `allowed`.
Result<void, RpcError> expectOnly(const Json::Value& params,
                                  std::initializer_list<std::string_view> allowed);
// A required string member of 1..maxLength bytes.
Result<std::string, RpcError> requireString(const Json::Value& params, const char* name,
                                            size_t maxLength);
// An optional string member (defaultValue when absent).
Result<std::string, RpcError> optionalString(const Json::Value& params, const char* name,
                                             size_t maxLength, std::string defaultValue);

}  // namespace hp::protocol::rpc
