// What every shop and bank answer shares (docs/emoney.md, "Shop API" and "Bank API"): the
// refusal body {"error":{"code","message"}}, written by tools/merchant and read by the home
// server and the terminal.
#pragma once

#include <json/json.h>

#include <optional>
#include <string>

namespace hp::protocol::merchant {

struct ErrorBody {
  std::string code;     // e.g. "insufficient_funds"
  std::string message;  // for people
  Json::Value toJson() const;
  // The error of an answer body, if it has one (members missing are empty).
  static std::optional<ErrorBody> fromJson(const Json::Value& body);
};

// "HTTP 409 slot_taken: a voucher for ..." (": code: message" only when the body has an error).
std::string describeAnswer(int status, const Json::Value& body);

}  // namespace hp::protocol::merchant
