// The JSON messages between a terminal and the home server (docs/proxy-architecture.md):
//   request:  {"v":1,"id":N,"method":"...","params":{...}}
//   response: {"v":1,"id":N,"result":{...}}  or  {"v":1,"id":N,"error":{"code":"...",
//             "message":"...","data":{...}}}
// Parsing is strict on purpose: the home server holds the user's card, so anything it does not
// understand exactly is refused with an error object, never guessed at.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace hp::protocol::rpc {

inline constexpr int kProtocolVersion = 1;
// A relay body travels base64-encoded inside one message; 1 MiB bounds the memory a single
// (possibly hostile) peer can make us spend per message.
inline constexpr size_t kMaxMessageBytes = 1 << 20;
inline constexpr size_t kMaxMethodLength = 64;
inline constexpr int kMaxNestingDepth = 16;
// Ids are JSON numbers; beyond 2^53 - 1 a JavaScript or Python peer would lose precision.
inline constexpr uint64_t kMaxId = (1ull << 53) - 1;

// Stable error codes: peers switch on these strings, so they never change meaning.
namespace code {
inline constexpr const char* kParseError = "parse_error";          // not JSON / not UTF-8
inline constexpr const char* kInvalidRequest = "invalid_request";  // JSON, not a request
inline constexpr const char* kUnsupportedVersion = "unsupported_version";
inline constexpr const char* kTooLarge = "too_large";
inline constexpr const char* kMethodNotFound = "method_not_found";
inline constexpr const char* kInvalidParams = "invalid_params";
inline constexpr const char* kInternal = "internal_error";
inline constexpr const char* kPinWrong = "pin_wrong";
inline constexpr const char* kPinBlocked = "pin_blocked";
inline constexpr const char* kCardError = "card_error";
inline constexpr const char* kNotFound = "not_found";
inline constexpr const char* kUpstreamError = "upstream_error";  // the shop failed
inline constexpr const char* kBusy = "busy";
// The home server will not connect there (a port, or a private address; relay_policy.hpp).
inline constexpr const char* kRelayRefused = "relay_refused";
// The calling terminal's policy does not allow this method, shop or amount without PIN2, or the
// policy expired (docs/proxy-architecture.md, "Terminal policies").
inline constexpr const char* kPolicyDenied = "policy_denied";
// A payment over the terminal's limit per payment or per day; nothing moved.
inline constexpr const char* kLimitExceeded = "limit_exceeded";
}  // namespace code

struct RpcError {
  std::string code;
  std::string message;
  Json::Value data;  // null, or an object with details (e.g. {"tries_left":2})
};

RpcError makeRpcError(std::string code, std::string message, Json::Value data = {});

struct Request {
  uint64_t id = 0;
  std::string method;
  Json::Value params{Json::objectValue};
};

struct Response {
  // nullopt only when the request was too broken to carry a usable id ("id":null).
  std::optional<uint64_t> id;
  std::optional<Json::Value> result;  // set on success
  std::optional<RpcError> error;      // set on failure
  bool ok() const { return result.has_value(); }
};

Response successResponse(uint64_t id, Json::Value result);
Response errorResponse(std::optional<uint64_t> id, RpcError error);

// Parses strict JSON (no comments, no duplicate keys, nothing after the value, bounded size and
// depth, valid UTF-8) into a value; the error says what was wrong.
Result<Json::Value, RpcError> parseJson(std::string_view text);

// True for a number written as an integer ("100"): jsoncpp reads 1e2 and 100.0 as reals, and
// its isIntegral()/isUInt64() say yes to them. Money and quantities take integers only
// (docs/emoney.md, "Strict JSON").
bool isJsonInteger(const Json::Value& value);

// A request as received. On failure, `idHint` is set when the id could still be read, so the
// error response can be matched by the peer.
Result<Request, RpcError> parseRequest(std::string_view text,
                                       std::optional<uint64_t>* idHint = nullptr);
Result<Response, RpcError> parseResponse(std::string_view text);

std::string encodeRequest(const Request& request);
std::string encodeResponse(const Response& response);
// Compact one-line JSON for any value.
std::string encodeJson(const Json::Value& value);

// Method names: 1..64 of [a-z0-9_.], starting with a letter ("session.open").
bool isValidMethodName(std::string_view name);

// A peer's name (a key it sent) for an error message: at most maxBytes of valid UTF-8 text,
// cut before the character that would cross the bound, so the answer stays valid UTF-8 (a cut
// inside a character made it unparseable; found by fuzz_admin_line).
std::string clipUtf8(std::string_view text, size_t maxBytes);

}  // namespace hp::protocol::rpc
