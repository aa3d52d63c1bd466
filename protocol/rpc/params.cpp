#include "protocol/rpc/params.hpp"

#include <algorithm>

namespace hp::protocol::rpc {

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
  const Json::Value& value = params[name];
  if (!value.isString()) {
    return makeRpcError(code::kInvalidParams,
                        std::string("parameter \"") + name + "\" must be a string");
  }
  std::string text = value.asString();
  if (text.empty() || text.size() > maxLength) {
    return makeRpcError(code::kInvalidParams, std::string("parameter \"") + name +
                                                  "\" must be 1.." + std::to_string(maxLength) +
                                                  " bytes");
  }
  return text;
}

}  // namespace hp::protocol::rpc
