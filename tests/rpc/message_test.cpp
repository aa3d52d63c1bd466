// The message codec: round trips, and strict refusal of everything that is not exactly a
// request or a response of protocol version 1.
#include <doctest.h>

#include <string>

#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::protocol::rpc {

TEST_CASE("a request round-trips through its encoding") {
  Request request;
  request.id = 42;
  request.method = "session.open";
  request.params["url"] = "https://shop.example:8443/";
  request.params["mode"] = "delegate";
  const std::string text = encodeRequest(request);
  CHECK(text.find('\n') == std::string::npos);  // one line
  auto parsed = parseRequest(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->id == 42);
  CHECK(parsed->method == "session.open");
  CHECK(parsed->params["url"].asString() == "https://shop.example:8443/");
}

TEST_CASE("params may be omitted and then mean {}") {
  auto parsed = parseRequest(R"({"v":1,"id":0,"method":"card.status"})");
  REQUIRE(parsed.ok());
  CHECK(parsed->params.isObject());
  CHECK(parsed->params.empty());
}

TEST_CASE("responses round-trip: result and error with data") {
  auto ok = parseResponse(encodeResponse(successResponse(7, Json::Value(Json::objectValue))));
  REQUIRE(ok.ok());
  CHECK(ok->ok());
  CHECK(ok->id == std::optional<uint64_t>(7));

  Json::Value data;
  data["tries_left"] = 2;
  auto failed =
      parseResponse(encodeResponse(errorResponse(8, makeRpcError(code::kPinWrong, "wrong", data))));
  REQUIRE(failed.ok());
  REQUIRE(failed->error.has_value());
  CHECK(failed->error->code == "pin_wrong");
  CHECK(failed->error->data["tries_left"].asInt() == 2);

  auto anonymous = parseResponse(
      encodeResponse(errorResponse(std::nullopt, makeRpcError(code::kParseError, "x"))));
  REQUIRE(anonymous.ok());
  CHECK_FALSE(anonymous->id.has_value());
}

TEST_CASE("malformed requests are refused with the right code") {
  struct Case {
    std::string text;
    const char* expectedCode;
  };
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const Case cases[] = {
      {"", code::kParseError},
      {"   ", code::kParseError},
      {"{", code::kParseError},
      {"{\"v\":1,", code::kParseError},
      {"nul", code::kParseError},
      {"{'v':1}", code::kParseError},                                              // single quotes
      {R"({"v":1,"id":1,"method":"a"} trailing)", code::kParseError},              // extra text
      {R"({"v":1,"id":1,"method":"a"}{"v":1})", code::kParseError},                // two values
      {R"({"v":1,"id":1,"method":"a", /* c */ "params":{}})", code::kParseError},  // comment
      {R"({"v":1,"v":1,"id":1,"method":"a"})", code::kParseError},                 // duplicate key
      {R"({"v":1,"id":1,"method":"a",})", code::kParseError},                      // trailing comma
      {"{\"v\":1,\"id\":1,\"method\":\"\xC3\x28\"}", code::kParseError},           // bad UTF-8
      {"{\"v\":1,\"id\":1,\"method\":\"\xED\xA0\x80\"}", code::kParseError},       // surrogate
      {"{\"v\":1,\"id\":1,\"method\":\"\xC0\xAF\"}", code::kParseError},           // overlong
      {"{\"v\":1,\"id\":1,\"method\":\"\xE2\x82\"}", code::kParseError},           // truncated
      {std::string("{\"v\":1,\"id\":1,\"method\":\"a\0\"}", 26), code::kParseError},  // NUL
      {deep, code::kParseError},                                                      // too deep
      {"[]", code::kInvalidRequest},
      // Strict root (RFC 4627): a bare scalar is not a JSON text we parse at all.
      {"42", code::kParseError},
      {"\"card.status\"", code::kParseError},
      {"null", code::kParseError},
      {R"({"id":1,"method":"card.status"})", code::kInvalidRequest},          // no v
      {R"({"v":"1","id":1,"method":"card.status"})", code::kInvalidRequest},  // v string
      {R"({"v":1.5,"id":1,"method":"card.status"})", code::kInvalidRequest},  // v real
      {R"({"v":2,"id":1,"method":"card.status"})", code::kUnsupportedVersion},
      {R"({"v":0,"id":1,"method":"card.status"})", code::kUnsupportedVersion},
      {R"({"v":1,"method":"card.status"})", code::kInvalidRequest},  // no id
      {R"({"v":1,"id":-1,"method":"card.status"})", code::kInvalidRequest},
      {R"({"v":1,"id":1.0,"method":"card.status"})", code::kInvalidRequest},
      {R"({"v":1,"id":"1","method":"card.status"})", code::kInvalidRequest},
      {R"({"v":1,"id":9007199254740992,"method":"card.status"})", code::kInvalidRequest},
      {R"({"v":1,"id":1})", code::kInvalidRequest},  // no method
      {R"({"v":1,"id":1,"method":7})", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":""})", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":"Card.Status"})", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":"card status"})", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":")" + std::string(65, 'a') + "\"}", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":"card.status","params":[]})", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":"card.status","params":null})", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":"card.status","params":"x"})", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":"card.status","extra":true})", code::kInvalidRequest},
      {R"({"v":1,"id":1,"method":"card.status","result":{}})", code::kInvalidRequest},
  };
  for (const Case& testCase : cases) {
    CAPTURE(testCase.text);
    auto parsed = parseRequest(testCase.text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == testCase.expectedCode);
    CHECK_FALSE(parsed.error().message.empty());
  }
}

TEST_CASE("the id of a refused request is still reported when it could be read") {
  std::optional<uint64_t> idHint;
  auto parsed = parseRequest(R"({"v":2,"id":77,"method":"card.status"})", &idHint);
  REQUIRE_FALSE(parsed.ok());
  CHECK(idHint == std::optional<uint64_t>(77));
  parseRequest("{not json", &idHint).ok();
  CHECK_FALSE(idHint.has_value());
}

TEST_CASE("a message over the size bound is refused before parsing") {
  std::string big = R"({"v":1,"id":1,"method":"a","params":{"x":")";
  big += std::string(kMaxMessageBytes, 'a');
  big += "\"}}";
  auto parsed = parseRequest(big);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == code::kTooLarge);
}

TEST_CASE("malformed responses are refused") {
  const char* cases[] = {
      R"({"v":1,"id":1})",  // neither result nor error
      R"({"v":1,"id":1,"result":{},"error":{"code":"a","message":"b"}})",  // both
      R"({"v":1,"id":1,"result":[]})",
      R"({"v":1,"id":1,"error":{"code":"a"}})",
      R"({"v":1,"id":1,"error":{"code":1,"message":"b"}})",
      R"({"v":1,"id":1,"error":{"code":"a","message":"b","data":3}})",
      R"({"v":1,"id":1,"error":{"code":"a","message":"b","x":3}})",
      R"({"v":1,"result":{}})",  // id missing
      R"({"v":2,"id":1,"result":{}})",
  };
  for (const char* text : cases) {
    CAPTURE(text);
    CHECK_FALSE(parseResponse(text).ok());
  }
}

TEST_CASE("base64: round trip and strict decoding") {
  for (size_t size = 0; size < 10; ++size) {
    Bytes bytes(size);
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(0xF0 + i);
    auto decoded = base64Decode(base64Encode(bytes));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
  }
  CHECK(base64Encode(bytesOf("hello")) == "aGVsbG8=");
  CHECK_FALSE(base64Decode("aGVsbG8").has_value());     // no padding
  CHECK_FALSE(base64Decode("aGVs bG8=").has_value());   // whitespace
  CHECK_FALSE(base64Decode("aGVs\nbG8=").has_value());  // line break
  CHECK_FALSE(base64Decode("aG=sbG8=").has_value());    // padding in the middle
  CHECK_FALSE(base64Decode("aGV$bG8=").has_value());
}

}  // namespace hp::protocol::rpc

namespace hp::protocol::rpc {

TEST_CASE("clipUtf8 never cuts inside a character") {
  CHECK(clipUtf8("abc", 32) == "abc");
  CHECK(clipUtf8("abcdef", 3) == "abc");
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  CHECK(clipUtf8("a" + euro, 1) == "a");
  CHECK(clipUtf8("a" + euro, 2) == "a");
  CHECK(clipUtf8("a" + euro, 3) == "a");
  CHECK(clipUtf8("a" + euro + "b", 4) == "a" + euro);
  CHECK(clipUtf8(euro, 0).empty());
}

}  // namespace hp::protocol::rpc
