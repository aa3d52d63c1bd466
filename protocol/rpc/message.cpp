#include "protocol/rpc/message.hpp"

#include <memory>
#include <set>
#include <sstream>

namespace hp::protocol::rpc {

namespace {

// RFC 3629: well-formed UTF-8 only (no overlongs, no surrogates, nothing above U+10FFFF).
// jsoncpp passes invalid bytes through, and we do not want them in logs or card commands.
bool isValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<uint8_t>(text[i]);
    size_t extra = 0;
    uint32_t codePoint = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      extra = 1;
      codePoint = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      extra = 2;
      codePoint = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      extra = 3;
      codePoint = byte & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      codePoint = (codePoint << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
    if (codePoint < kMinimum[extra] || codePoint > 0x10FFFF ||
        (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// jsoncpp 1.9.5 accepts /* */ and // comments even in strict mode; RFC 8259 has none, and a
// '/' outside a string is never valid JSON.
bool hasSlashOutsideStrings(std::string_view text) {
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '/') {
      return true;
    }
  }
  return false;
}

Result<void, RpcError> onlyKeys(const Json::Value& object, const std::set<std::string>& allowed,
                                const char* what) {
  for (const std::string& key : object.getMemberNames()) {
    if (allowed.count(key) == 0) {
      return makeRpcError(code::kInvalidRequest,
                          std::string(what) + ": unknown member \"" + clipUtf8(key, 32) + "\"");
    }
  }
  return {};
}

bool isIntegerToken(const Json::Value& value) {
  return isJsonInteger(value);
}

std::optional<uint64_t> readId(const Json::Value& root) {
  if (!root.isObject() || !root.isMember("id")) return std::nullopt;
  const Json::Value& id = root["id"];
  // isIntegral() is also true for 1.0; an id must be written as an integer.
  if (!isIntegerToken(id) || !id.isUInt64() || id.asUInt64() > kMaxId) return std::nullopt;
  return id.asUInt64();
}

Result<void, RpcError> checkVersion(const Json::Value& root) {
  if (!root.isMember("v")) return makeRpcError(code::kInvalidRequest, "missing \"v\"");
  const Json::Value& version = root["v"];
  if (!isIntegerToken(version)) {
    return makeRpcError(code::kInvalidRequest, "\"v\" must be an integer");
  }
  if (!version.isInt() || version.asInt() != kProtocolVersion) {
    return makeRpcError(code::kUnsupportedVersion,
                        "protocol version not supported (this side speaks v" +
                            std::to_string(kProtocolVersion) + ")");
  }
  return {};
}

}  // namespace

bool isJsonInteger(const Json::Value& value) {
  return value.type() == Json::intValue || value.type() == Json::uintValue;
}

RpcError makeRpcError(std::string errorCode, std::string message, Json::Value data) {
  return RpcError{std::move(errorCode), std::move(message), std::move(data)};
}

Response successResponse(uint64_t id, Json::Value result) {
  Response response;
  response.id = id;
  response.result = std::move(result);
  return response;
}

Response errorResponse(std::optional<uint64_t> id, RpcError error) {
  Response response;
  response.id = id;
  response.error = std::move(error);
  return response;
}

bool isValidMethodName(std::string_view name) {
  if (name.empty() || name.size() > kMaxMethodLength) return false;
  if (name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!allowed) return false;
  }
  return true;
}

Result<Json::Value, RpcError> parseJson(std::string_view text) {
  if (text.size() > kMaxMessageBytes) {
    return makeRpcError(code::kTooLarge, "message of " + std::to_string(text.size()) +
                                             " bytes exceeds " + std::to_string(kMaxMessageBytes));
  }
  if (!isValidUtf8(text)) return makeRpcError(code::kParseError, "message is not valid UTF-8");
  if (text.find('\0') != std::string_view::npos) {
    return makeRpcError(code::kParseError, "message contains a NUL byte");
  }
  if (hasSlashOutsideStrings(text)) {
    return makeRpcError(code::kParseError, "malformed JSON: comments are not allowed");
  }
  Json::CharReaderBuilder builder;
  Json::CharReaderBuilder::strictMode(&builder.settings_);
  builder.settings_["stackLimit"] = kMaxNestingDepth;
  builder.settings_["skipBom"] = false;
  const std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value root;
  std::string errors;
  try {
    // jsoncpp throws (instead of reporting) when the depth limit is exceeded.
    if (!reader->parse(text.data(), text.data() + text.size(), &root, &errors)) {
      // jsoncpp's message is multi-line ("* Line 1, Column 2\n  ..."); keep the first line.
      std::string first = errors.substr(0, errors.find('\n'));
      if (first.rfind("* ", 0) == 0) first.erase(0, 2);
      return makeRpcError(code::kParseError, "malformed JSON: " + first);
    }
  } catch (const std::exception&) {
    return makeRpcError(code::kParseError,
                        "JSON nested deeper than " + std::to_string(kMaxNestingDepth));
  }
  return root;
}

Result<Request, RpcError> parseRequest(std::string_view text, std::optional<uint64_t>* idHint) {
  if (idHint != nullptr) idHint->reset();
  auto root = parseJson(text);
  if (!root) return root.error();
  if (!root->isObject()) return makeRpcError(code::kInvalidRequest, "request is not an object");
  const std::optional<uint64_t> id = readId(*root);
  if (idHint != nullptr) *idHint = id;
  if (auto keys = onlyKeys(*root, {"v", "id", "method", "params"}, "request"); !keys) {
    return keys.error();
  }
  if (auto version = checkVersion(*root); !version) return version.error();
  if (!id) {
    return makeRpcError(code::kInvalidRequest,
                        "\"id\" must be an integer from 0 to " + std::to_string(kMaxId));
  }
  const Json::Value& method = (*root)["method"];
  if (!method.isString() || !isValidMethodName(method.asString())) {
    return makeRpcError(code::kInvalidRequest,
                        "\"method\" must be a name of [a-z0-9_.] (at most 64 characters)");
  }
  Request request;
  request.id = *id;
  request.method = method.asString();
  if (root->isMember("params")) {
    // An absent params means {}; anything but an object (null included) is refused.
    if (!(*root)["params"].isObject()) {
      return makeRpcError(code::kInvalidRequest, "\"params\" must be an object");
    }
    request.params = (*root)["params"];
  }
  return request;
}

Result<Response, RpcError> parseResponse(std::string_view text) {
  auto root = parseJson(text);
  if (!root) return root.error();
  if (!root->isObject()) return makeRpcError(code::kInvalidRequest, "response is not an object");
  if (auto keys = onlyKeys(*root, {"v", "id", "result", "error"}, "response"); !keys) {
    return keys.error();
  }
  if (auto version = checkVersion(*root); !version) return version.error();
  Response response;
  if (!root->isMember("id")) return makeRpcError(code::kInvalidRequest, "missing \"id\"");
  if (!(*root)["id"].isNull()) {
    response.id = readId(*root);
    if (!response.id) return makeRpcError(code::kInvalidRequest, "bad \"id\"");
  }
  const bool hasResult = root->isMember("result");
  const bool hasError = root->isMember("error");
  if (hasResult == hasError) {
    return makeRpcError(code::kInvalidRequest,
                        "a response has exactly one of \"result\" and \"error\"");
  }
  if (hasResult) {
    if (!(*root)["result"].isObject()) {
      return makeRpcError(code::kInvalidRequest, "\"result\" must be an object");
    }
    response.result = (*root)["result"];
    return response;
  }
  const Json::Value& error = (*root)["error"];
  if (!error.isObject()) return makeRpcError(code::kInvalidRequest, "\"error\" must be an object");
  if (auto keys = onlyKeys(error, {"code", "message", "data"}, "error"); !keys) {
    return keys.error();
  }
  if (!error["code"].isString() || !error["message"].isString()) {
    return makeRpcError(code::kInvalidRequest, "an error needs string \"code\" and \"message\"");
  }
  if (error.isMember("data") && !error["data"].isObject()) {
    return makeRpcError(code::kInvalidRequest, "error \"data\" must be an object");
  }
  response.error = makeRpcError(error["code"].asString(), error["message"].asString(),
                                error.isMember("data") ? error["data"] : Json::Value());
  return response;
}

std::string encodeJson(const Json::Value& value) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  builder["emitUTF8"] = true;
  return Json::writeString(builder, value);
}

std::string encodeRequest(const Request& request) {
  Json::Value root(Json::objectValue);
  root["v"] = kProtocolVersion;
  root["id"] = Json::UInt64(request.id);
  root["method"] = request.method;
  root["params"] = request.params.isNull() ? Json::Value(Json::objectValue) : request.params;
  return encodeJson(root);
}

std::string encodeResponse(const Response& response) {
  Json::Value root(Json::objectValue);
  root["v"] = kProtocolVersion;
  root["id"] = response.id ? Json::Value(Json::UInt64(*response.id)) : Json::Value();
  if (response.error) {
    Json::Value error(Json::objectValue);
    error["code"] = response.error->code;
    error["message"] = response.error->message;
    if (response.error->data.isObject()) error["data"] = response.error->data;
    root["error"] = error;
  } else {
    root["result"] = response.result ? *response.result : Json::Value(Json::objectValue);
  }
  return encodeJson(root);
}

std::string clipUtf8(std::string_view text, size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  size_t end = maxBytes;
  // Back off over continuation bytes (10xxxxxx) to the first byte of the cut character.
  while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

}  // namespace hp::protocol::rpc
