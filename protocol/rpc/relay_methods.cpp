#include "protocol/rpc/relay_methods.hpp"

#include "protocol/rpc/base64.hpp"

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
  json["method"] = method;
  if (body) json["body"] = hp::protocol::rpc::base64Encode(*body);
  return json;
}

RpcResult<RelayRequest::Params> RelayRequest::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto url = hp::protocol::rpc::requireString(json, "url", kMaxUrl);
  if (!url) return invalid(url.error().message);
  auto method = hp::protocol::rpc::optionalString(json, "method", 8, "GET");
  if (!method) return method.error();
  if (*method != "GET" && *method != "POST") return invalid("method must be GET or POST");
  Params params{std::move(*url), std::move(*method), std::nullopt};
  if (json.isMember("body")) {
    if (!json["body"].isString()) return invalid("body must be base64 text");
    auto body = hp::protocol::rpc::base64Decode(json["body"].asString());
    if (!body) return invalid("body is not base64");
    if (params.method == "GET" && !body->empty()) return invalid("a GET has no body");
    params.body = std::move(*body);
  }
  return params;
}

Json::Value RelayRequest::Result::toJson() const {
  Json::Value names(Json::objectValue);
  for (const auto& [name, value] : headers) names[name] = value;
  Json::Value json;
  json["status"] = status;
  json["headers"] = names;
  json["body"] = hp::protocol::rpc::base64Encode(body);
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
  auto body = resultBase64(json, "body");
  if (!body) return body.error();
  result.body = std::move(*body);
  return result;
}

}  // namespace hp::protocol::rpc
