#include "protocol/rpc/relay_methods.hpp"

namespace hp::protocol::rpc {

namespace {

RpcError invalid(std::string message) {
  return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                         std::move(message));
}

}  // namespace

Json::Value RelayRequest::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["url"] = url;
  if (method != "GET") json["method"] = method;
  return json;
}

RpcResult<RelayRequest::Params> RelayRequest::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto url = hp::protocol::rpc::requireString(json, "url", kMaxUrl);
  if (!url) return invalid(url.error().message);
  auto method = hp::protocol::rpc::optionalString(json, "method", 8, "GET");
  if (!method) return method.error();
  if (*method != "GET" && *method != "POST") return invalid("method must be GET or POST");
  return Params{std::move(*url), std::move(*method)};
}

Json::Value RelayRequest::Result::toJson() const {
  Json::Value names(Json::objectValue);
  for (const auto& [name, value] : headers) names[name] = value;
  Json::Value json;
  json["status"] = status;
  json["headers"] = names;
  return json;
}

RpcResult<RelayRequest::Result> RelayRequest::Result::fromJson(const Json::Value& json) {
  auto status = resultInt(json, "status");
  if (!status) return status.error();
  if (!json["headers"].isObject()) return badResult("headers is not an object");
  Result result;
  result.status = *status;
  for (const std::string& name : json["headers"].getMemberNames()) {
    const Json::Value& value = json["headers"][name];
    if (!value.isString()) return badResult("a header is not text");
    result.headers[name] = value.asString();
  }
  return result;
}

}  // namespace hp::protocol::rpc
