// Reading JSON members strictly: every handler states the members it accepts and their types, so
// a typo in a client ("pim") is an invalid_params error instead of a silent default. The one set
// of member readers for the RPC params and the shop/bank bodies (protocol/merchant/): each
// caller words the refusal its peers expect, the checks are the same.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
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

// The shop/bank body readers (docs/emoney.md, "Strict JSON"): an error names the member and
// what it should be ("\"sku\" must be a string").
// A string member of 1..maxLength bytes.
Result<std::string> stringField(const Json::Value& object, const char* name,
                                size_t maxLength = 256);
// A JSON number that is a non-negative integer token (up to 2^53 - 1, exact in every JSON peer).
Result<uint64_t> unsignedField(const Json::Value& object, const char* name);
// A non-empty base64 string (RFC 4648, padded) of at most maxBytes bytes.
Result<Bytes> base64Field(const Json::Value& object, const char* name, size_t maxBytes = 4096);

}  // namespace hp::protocol::rpc
