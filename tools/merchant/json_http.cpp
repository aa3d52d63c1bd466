#include "tools/merchant/json_http.hpp"

#include <memory>

#include "protocol/merchant/api_body.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::merchant {

std::string compactJson(const Json::Value& value) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  return Json::writeString(builder, value);
}

HttpResponse jsonResponse(int status, const Json::Value& body) {
  return HttpResponse{status, compactJson(body) + "\n"};
}

HttpResponse errorResponse(int status, std::string_view code, std::string_view message) {
  return jsonResponse(
      status, protocol::merchant::ErrorBody{std::string(code), std::string(message)}.toJson());
}

Result<Json::Value> parseJsonObject(std::string_view body, bool allowEmpty) {
  if (body.empty()) {
    if (allowEmpty) return Json::Value(Json::objectValue);
    return makeError("the body must be a JSON object");
  }
  // The RPC layer's strict parser: no comments, no duplicate keys, nothing after the value,
  // valid UTF-8, and a depth limit answered as an error (jsoncpp itself throws past it).
  auto parsed = protocol::rpc::parseJson(body);
  if (!parsed) return makeError("the body is not valid JSON: " + parsed.error().message);
  const Json::Value& value = *parsed;
  if (!value.isObject()) return makeError("the body must be a JSON object");
  return value;
}

}  // namespace hp::merchant
