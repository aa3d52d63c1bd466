#include "protocol/rpc/params.hpp"

#include <algorithm>

#include "protocol/rpc/base64.hpp"

namespace hp::protocol::rpc {

namespace {

constexpr uint64_t kMaxExactJsonInteger = (1ull << 53) - 1;

// The one string check behind both wordings.
enum class StringFault { kNotString, kLength };
hp::base::Result<std::string, StringFault> readString(const Json::Value& value, size_t maxLength) {
  if (!value.isString()) return StringFault::kNotString;
  std::string text = value.asString();
  if (text.empty() || text.size() > maxLength) return StringFault::kLength;
  return text;
}

std::string quoted(const char* name) {
  return std::string("\"") + name + "\"";
}

}  // namespace

Result<void, RpcError> expectOnly(const Json::Value& params,
                                  std::initializer_list<std::string_view> allowed) {
  if (!params.isObject()) return makeRpcError(code::kInvalidParams, "params must be an object");
  for (const std::string& key : params.getMemberNames()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return makeRpcError(code::kInvalidParams, "unknown parameter \"" + clipUtf8(key, 32) + "\"");
    }
  }
  return {};
}

Result<std::string, RpcError> requireString(const Json::Value& params, const char* name,
                                            size_t maxLength) {
  if (!params.isMember(name)) {
    return makeRpcError(code::kInvalidParams, std::string("missing parameter \"") + name + "\"");
  }
  return optionalString(params, name, maxLength, {});
}

Result<std::string, RpcError> optionalString(const Json::Value& params, const char* name,
                                             size_t maxLength, std::string defaultValue) {
  if (!params.isMember(name)) return defaultValue;
  auto text = readString(params[name], maxLength);
  if (text) return std::move(*text);
  if (text.error() == StringFault::kNotString) {
    return makeRpcError(code::kInvalidParams, "parameter " + quoted(name) + " must be a string");
  }
  return makeRpcError(code::kInvalidParams, "parameter " + quoted(name) + " must be 1.." +
                                                std::to_string(maxLength) + " bytes");
}

Result<std::string> stringField(const Json::Value& object, const char* name, size_t maxLength) {
  auto text = readString(object[name], maxLength);
  if (text) return std::move(*text);
  if (text.error() == StringFault::kNotString) {
    return makeError(quoted(name) + " must be a string");
  }
  return makeError(quoted(name) + " must be 1.." + std::to_string(maxLength) + " characters");
}

Result<uint64_t> unsignedField(const Json::Value& object, const char* name) {
  const Json::Value& field = object[name];
  // isIntegral() and isUInt64() are also true for 5.0 and 5e0; only integer tokens count.
  if (!isJsonInteger(field) || !field.isUInt64() || field.asUInt64() > kMaxExactJsonInteger) {
    return makeError(quoted(name) + " must be a non-negative integer");
  }
  return field.asUInt64();
}

Result<Bytes> base64Field(const Json::Value& object, const char* name, size_t maxBytes) {
  const Json::Value& field = object[name];
  if (!field.isString()) return makeError(quoted(name) + " must be a base64 string");
  const std::string text = field.asString();
  if (text.size() > (maxBytes + 2) / 3 * 4) return makeError(quoted(name) + " is too long");
  auto bytes = base64Decode(text);
  if (!bytes || bytes->empty()) return makeError(quoted(name) + " is not valid base64");
  // The length check above is in whole base64 quanta: up to two bytes more get through it.
  if (bytes->size() > maxBytes) return makeError(quoted(name) + " is too long");
  return std::move(*bytes);
}

}  // namespace hp::protocol::rpc
