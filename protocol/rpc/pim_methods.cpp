#include "protocol/rpc/pim_methods.hpp"

#include <algorithm>

#include "protocol/rpc/base64.hpp"

namespace hp::protocol::rpc {

namespace {

RpcError invalid(std::string message) {
  return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                         std::move(message));
}

Json::Value headersJson(const std::map<std::string, std::string>& headers) {
  Json::Value json(Json::objectValue);
  for (const auto& [name, value] : headers) json[name] = value;
  return json;
}

RpcResult<uint64_t> countOf(const Json::Value& json, const char* name) {
  if (!json.isMember(name)) return uint64_t{0};
  return resultUInt64(json, name);
}

// `body` (base64) or `attached` (the attachment's size), never both; and `rest`.
struct Part {
  Bytes body;
  uint64_t attached = 0;
  uint64_t rest = 0;
};

RpcResult<Part> partOf(const Json::Value& json) {
  Part part;
  auto attached = countOf(json, "attached");
  if (!attached) return attached.error();
  part.attached = *attached;
  if (json.isMember("body")) {
    if (part.attached > 0) return badResult("both body and attached");
    auto body = resultBase64(json, "body");
    if (!body) return body.error();
    part.body = std::move(*body);
  } else if (part.attached == 0) {
    return badResult("neither body nor attached");
  }
  auto rest = countOf(json, "rest");
  if (!rest) return rest.error();
  part.rest = *rest;
  return part;
}

void putPart(Json::Value& json, const Bytes& body, uint64_t attached, uint64_t rest) {
  if (attached > 0) {
    json["attached"] = Json::UInt64(attached);
  } else {
    json["body"] = hp::protocol::rpc::base64Encode(body);
  }
  if (rest > 0) json["rest"] = Json::UInt64(rest);
}

}  // namespace

Json::Value PimRequest::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["method"] = method;
  json["path"] = path;
  if (!headers.empty()) json["headers"] = headersJson(headers);
  if (!body.empty()) json["body"] = hp::protocol::rpc::base64Encode(body);
  return json;
}

RpcResult<PimRequest::Params> PimRequest::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto method = hp::protocol::rpc::requireString(json, "method", 16);
  if (!method) return method.error();
  auto path = hp::protocol::rpc::requireString(json, "path", kMaxPath);
  if (!path) return path.error();
  Params params{std::move(*method), std::move(*path), {}, {}};
  if (json.isMember("headers")) {
    const Json::Value& headers = json["headers"];
    if (!headers.isObject()) return invalid("headers must be an object");
    if (headers.size() > kMaxHeaders) return invalid("more than 16 headers");
    for (const std::string& name : headers.getMemberNames()) {
      const Json::Value& value = headers[name];
      if (!value.isString() || value.asString().size() > kMaxHeaderValue) {
        return invalid("header " + name + " must be text of at most 1024 bytes");
      }
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      params.headers[lower] = value.asString();
    }
  }
  if (json.isMember("body")) {
    if (!json["body"].isString()) return invalid("body must be base64 text");
    auto body = hp::protocol::rpc::base64Decode(json["body"].asString());
    if (!body) return invalid("body is not base64");
    if (body->size() > kMaxPimPart) return invalid("body over 524288 bytes");
    params.body = std::move(*body);
  }
  return params;
}

Json::Value PimRequest::Result::toJson() const {
  Json::Value json(Json::objectValue);
  json["status"] = status;
  json["headers"] = headersJson(headers);
  putPart(json, body, attached, rest);
  if (rest > 0) json["stream"] = Json::UInt64(stream);
  return json;
}

RpcResult<PimRequest::Result> PimRequest::Result::fromJson(const Json::Value& json) {
  if (auto object = resultObject(json); !object) return object.error();
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
  auto part = partOf(json);
  if (!part) return part.error();
  result.body = std::move(part->body);
  result.attached = part->attached;
  result.rest = part->rest;
  auto stream = countOf(json, "stream");
  if (!stream) return stream.error();
  result.stream = *stream;
  return result;
}

Json::Value PimMore::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["stream"] = Json::UInt64(stream);
  return json;
}

RpcResult<PimMore::Params> PimMore::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  const Json::Value& stream = json["stream"];
  // An integer token only (jsoncpp's isDouble() is true for every number).
  if ((stream.type() != Json::intValue && stream.type() != Json::uintValue) || !stream.isUInt64()) {
    return invalid("stream must be the number pim.request gave");
  }
  return Params{json["stream"].asUInt64()};
}

Json::Value PimMore::Result::toJson() const {
  Json::Value json(Json::objectValue);
  putPart(json, body, attached, rest);
  return json;
}

RpcResult<PimMore::Result> PimMore::Result::fromJson(const Json::Value& json) {
  if (auto object = resultObject(json); !object) return object.error();
  auto part = partOf(json);
  if (!part) return part.error();
  return Result{std::move(part->body), part->attached, part->rest};
}

}  // namespace hp::protocol::rpc
