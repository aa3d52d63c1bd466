// The pieces every method family is built from: who may call a method, the list of a struct's
// JSON members (one list serves the unknown-member check and the docs table), and readers for
// results. Params are read with protocol/rpc/params.hpp's strict readers, so the error codes and
// messages peers and tests see are the ones they always saw.
#pragma once

#include <json/json.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/rpc/message.hpp"
#include "protocol/rpc/params.hpp"

namespace hp::protocol::rpc {

using hp::protocol::rpc::RpcError;
template <class T>
using RpcResult = hp::base::Result<T, RpcError>;

// Who may call a method (docs/control-channel.md, "Authority").
enum class Access {
  kTerminal,      // any registered terminal over its control channel
  kTerminalPin2,  // a terminal holding live PIN2 authority (the server admits it before params)
  kAdmin,         // the home server's local admin socket only
};
std::string_view accessName(Access access);

// A struct's JSON members; an optional one ends in '?' ("mode?"). Docs show them as written.
using FieldList = std::span<const std::string_view>;

// invalid_params for a member not in `fields` (the '?' ignored), with host/rpc's wording.
hp::base::Result<void, RpcError> expectOnly(const Json::Value& params, FieldList fields);

// Results, read on the calling side. A result the contract does not describe is an
// internal_error: the call may have been carried out, so callers treat it as an unknown outcome.
RpcError badResult(std::string_view what);
RpcResult<std::string> resultString(const Json::Value& result, const char* name);
RpcResult<bool> resultBool(const Json::Value& result, const char* name);
RpcResult<int64_t> resultInt64(const Json::Value& result, const char* name);
RpcResult<uint64_t> resultUInt64(const Json::Value& result, const char* name);
RpcResult<uint32_t> resultUInt32(const Json::Value& result, const char* name);
RpcResult<int> resultInt(const Json::Value& result, const char* name);
// A base64 member as bytes.
RpcResult<Bytes> resultBase64(const Json::Value& result, const char* name);
// An array member (each element still to be read).
RpcResult<Json::Value> resultArray(const Json::Value& result, const char* name);
// The result must be an object.
hp::base::Result<void, RpcError> resultObject(const Json::Value& result);

// A Params struct with no members ({}): every method that takes none shares it.
struct NoParams {
  static constexpr std::array<std::string_view, 0> kFields{};
  Json::Value toJson() const { return Json::Value(Json::objectValue); }
  static RpcResult<NoParams> fromJson(const Json::Value& params);
};

// A Result struct with no members.
struct NoResult {
  static constexpr std::array<std::string_view, 0> kFields{};
  Json::Value toJson() const { return Json::Value(Json::objectValue); }
  static RpcResult<NoResult> fromJson(const Json::Value& result);
};

}  // namespace hp::protocol::rpc
