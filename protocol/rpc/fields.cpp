#include "protocol/rpc/fields.hpp"

#include <algorithm>
#include <limits>

#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/method.hpp"

namespace hp::protocol::rpc {

std::string_view accessName(Access access) {
  switch (access) {
    case Access::kTerminal:
      return "terminal";
    case Access::kTerminalPin2:
      return "terminal with PIN2";
    case Access::kAdmin:
      return "admin socket";
  }
  return "?";
}

namespace {

std::string_view bareName(std::string_view field) {
  if (!field.empty() && field.back() == '?') field.remove_suffix(1);
  return field;
}

// The member `name` when `is` says it has the right type, else the bad-result error.
hp::base::Result<const Json::Value*, RpcError> member(const Json::Value& result, const char* name,
                                                      bool (Json::Value::*is)() const,
                                                      const char* what) {
  if (!result.isObject() || !result.isMember(name) || !(result[name].*is)()) {
    return badResult(std::string(name) + " is not " + what);
  }
  return &result[name];
}

}  // namespace

hp::base::Result<void, RpcError> expectOnly(const Json::Value& params, FieldList fields) {
  if (!params.isObject()) {
    return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                           "params must be an object");
  }
  for (const std::string& key : params.getMemberNames()) {
    if (std::none_of(fields.begin(), fields.end(),
                     [&key](std::string_view field) { return bareName(field) == key; })) {
      return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                             "unknown parameter \"" + key.substr(0, 32) + "\"");
    }
  }
  return {};
}

RpcError badResult(std::string_view what) {
  return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInternal,
                                         "the home server sent a bad result: " + std::string(what));
}

hp::base::Result<void, RpcError> resultObject(const Json::Value& result) {
  if (!result.isObject()) return badResult("not an object");
  return {};
}

RpcResult<std::string> resultString(const Json::Value& result, const char* name) {
  auto found = member(result, name, &Json::Value::isString, "a string");
  if (!found) return found.error();
  return (*found)->asString();
}

RpcResult<bool> resultBool(const Json::Value& result, const char* name) {
  auto found = member(result, name, &Json::Value::isBool, "true or false");
  if (!found) return found.error();
  return (*found)->asBool();
}

RpcResult<int64_t> resultInt64(const Json::Value& result, const char* name) {
  auto found = member(result, name, &Json::Value::isInt64, "an integer");
  if (!found) return found.error();
  return (*found)->asInt64();
}

RpcResult<uint64_t> resultUInt64(const Json::Value& result, const char* name) {
  auto found = member(result, name, &Json::Value::isUInt64, "a whole number");
  if (!found) return found.error();
  return (*found)->asUInt64();
}

RpcResult<uint32_t> resultUInt32(const Json::Value& result, const char* name) {
  auto found = member(result, name, &Json::Value::isUInt, "a whole number");
  if (!found) return found.error();
  return (*found)->asUInt();
}

RpcResult<int> resultInt(const Json::Value& result, const char* name) {
  auto found = member(result, name, &Json::Value::isInt, "an integer");
  if (!found) return found.error();
  return (*found)->asInt();
}

RpcResult<Bytes> resultBase64(const Json::Value& result, const char* name) {
  auto text = resultString(result, name);
  if (!text) return text.error();
  auto bytes = hp::protocol::rpc::base64Decode(*text);
  if (!bytes) return badResult(std::string(name) + " is not base64");
  return std::move(*bytes);
}

RpcResult<Json::Value> resultArray(const Json::Value& result, const char* name) {
  if (!result.isObject() || !result[name].isArray()) {
    return badResult(std::string(name) + " is not a list");
  }
  return result[name];
}

RpcResult<NoParams> NoParams::fromJson(const Json::Value& params) {
  if (auto only = expectOnly(params, kFields); !only) return only.error();
  return NoParams{};
}

RpcResult<NoResult> NoResult::fromJson(const Json::Value& result) {
  if (auto object = resultObject(result); !object) return object.error();
  return NoResult{};
}

void wipeStrings(Json::Value& json) {
  if (json.isString()) {
    json = std::string(json.asString().size(), '0');
  } else if (json.isObject()) {
    for (const std::string& key : json.getMemberNames()) wipeStrings(json[key]);
  } else if (json.isArray()) {
    for (Json::Value& element : json) wipeStrings(element);
  }
}

}  // namespace hp::protocol::rpc
