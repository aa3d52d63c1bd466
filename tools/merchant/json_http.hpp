// JSON bodies for the shop and bank APIs: strict parsing of request bodies, the error shape
// {"error":{"code","message"}} of docs/emoney.md, and typed field readers that say which field
// is wrong instead of throwing (jsoncpp's asX() throw on a type mismatch).
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

// Field readers: an error names the field and what it should be.
Result<std::string> stringField(const Json::Value& object, const char* name,
                                size_t maxLength = 256);
// A JSON number that is a non-negative integer (up to 2^53 - 1, exact in every JSON peer).
Result<uint64_t> unsignedField(const Json::Value& object, const char* name);
// A base64 string (RFC 4648, padded).
Result<Bytes> base64Field(const Json::Value& object, const char* name, size_t maxBytes = 4096);

std::string compactJson(const Json::Value& value);

}  // namespace hp::merchant
