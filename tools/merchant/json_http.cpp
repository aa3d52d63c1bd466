#include "tools/merchant/json_http.hpp"

#include <memory>

#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::merchant {

namespace {
constexpr uint64_t kMaxExactJsonInteger = (1ull << 53) - 1;
}

std::string compactJson(const Json::Value& value) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  return Json::writeString(builder, value);
}

HttpResponse jsonResponse(int status, const Json::Value& body) {
  return HttpResponse{status, compactJson(body) + "\n"};
}

HttpResponse errorResponse(int status, std::string_view code, std::string_view message) {
  Json::Value body;
  body["error"]["code"] = std::string(code);
  body["error"]["message"] = std::string(message);
  return jsonResponse(status, body);
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

Result<std::string> stringField(const Json::Value& object, const char* name, size_t maxLength) {
  const Json::Value& field = object[name];
  if (!field.isString()) return makeError(std::string("\"") + name + "\" must be a string");
  std::string value = field.asString();
  if (value.empty() || value.size() > maxLength) {
    return makeError(std::string("\"") + name + "\" must be 1.." + std::to_string(maxLength) +
                     " characters");
  }
  return value;
}

Result<uint64_t> unsignedField(const Json::Value& object, const char* name) {
  const Json::Value& field = object[name];
  // isIntegral() and isUInt64() are also true for 5.0 and 5e0; only integer tokens count.
  if (!protocol::rpc::isJsonInteger(field) || !field.isUInt64() ||
      field.asUInt64() > kMaxExactJsonInteger) {
    return makeError(std::string("\"") + name + "\" must be a non-negative integer");
  }
  return field.asUInt64();
}

Result<Bytes> base64Field(const Json::Value& object, const char* name, size_t maxBytes) {
  const Json::Value& field = object[name];
  if (!field.isString()) return makeError(std::string("\"") + name + "\" must be a base64 string");
  const std::string text = field.asString();
  if (text.size() > (maxBytes + 2) / 3 * 4) {
    return makeError(std::string("\"") + name + "\" is too long");
  }
  auto bytes = protocol::rpc::base64Decode(text);
  if (!bytes || bytes->empty()) {
    return makeError(std::string("\"") + name + "\" is not valid base64");
  }
  return std::move(*bytes);
}

}  // namespace hp::merchant
