// JSON bodies for the shop and bank APIs: strict parsing of request bodies and the error shape
// {"error":{"code","message"}} of docs/emoney.md. The messages themselves and their member
// readers are the protocol's (protocol/merchant/shop_api.hpp, bank_api.hpp).
#pragma once

#include <json/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "tools/merchant/server_http.hpp"

namespace hp::merchant {

HttpResponse jsonResponse(int status, const Json::Value& body);
HttpResponse errorResponse(int status, std::string_view code, std::string_view message);

// The body as a JSON object; an empty body is an empty object when allowEmpty.
Result<Json::Value> parseJsonObject(std::string_view body, bool allowEmpty = false);

std::string compactJson(const Json::Value& value);

}  // namespace hp::merchant
