#include "protocol/merchant/api_body.hpp"

namespace hp::protocol::merchant {

Json::Value ErrorBody::toJson() const {
  Json::Value body;
  body["error"]["code"] = code;
  body["error"]["message"] = message;
  return body;
}

std::optional<ErrorBody> ErrorBody::fromJson(const Json::Value& body) {
  if (!body.isObject() || !body["error"].isObject()) return std::nullopt;
  const Json::Value& error = body["error"];
  const auto text = [&error](const char* name) {
    return error[name].isString() ? error[name].asString() : std::string();
  };
  return ErrorBody{text("code"), text("message")};
}

std::string describeAnswer(int status, const Json::Value& body) {
  std::string text = "HTTP " + std::to_string(status);
  if (auto error = ErrorBody::fromJson(body)) text += " " + error->code + ": " + error->message;
  return text;
}

}  // namespace hp::protocol::merchant
