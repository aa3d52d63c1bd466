// The dispatcher turns every request, good or bad, into one well-formed response.
#include <doctest.h>

#include <stdexcept>

#include "protocol/rpc/dispatcher.hpp"
#include "protocol/rpc/params.hpp"

namespace hp::protocol::rpc {

namespace {

Dispatcher makeDispatcher() {
  Dispatcher dispatcher;
  REQUIRE(dispatcher
              .add("echo",
                   [](const Json::Value& params,
                      const CallContext& context) -> Result<Json::Value, RpcError> {
                     if (auto only = expectOnly(params, {"text"}); !only) return only.error();
                     auto text = requireString(params, "text", 16);
                     if (!text) return text.error();
                     Json::Value result;
                     result["text"] = *text;
                     result["caller"] = context.terminalId;
                     return result;
                   })
              .ok());
  REQUIRE(
      dispatcher
          .add("throws",
               [](const Json::Value& params, const CallContext&) -> Result<Json::Value, RpcError> {
                 // A handler bug: asString on an object makes jsoncpp throw.
                 Json::Value result;
                 result["x"] = params["nested"].asString();
                 return result;
               })
          .ok());
  REQUIRE(dispatcher
              .add("nothing",
                   [](const Json::Value&, const CallContext&) -> Result<Json::Value, RpcError> {
                     return Json::Value();
                   })
              .ok());
  REQUIRE(dispatcher
              .add("array",
                   [](const Json::Value&, const CallContext&) -> Result<Json::Value, RpcError> {
                     return Json::Value(Json::arrayValue);
                   })
              .ok());
  REQUIRE(dispatcher
              .add("raw.throw",
                   [](const Json::Value&, const CallContext&) -> Result<Json::Value, RpcError> {
                     throw 5;
                   })
              .ok());
  return dispatcher;
}

Response call(const Dispatcher& dispatcher, const std::string& text) {
  const std::string answer = dispatcher.handle(text, CallContext{"laptop-1"});
  auto parsed = parseResponse(answer);
  REQUIRE_MESSAGE(parsed.ok(), answer);
  return parsed.value();
}

}  // namespace

TEST_CASE("a good request reaches its handler with the caller's identity") {
  const Dispatcher dispatcher = makeDispatcher();
  const Response response =
      call(dispatcher, R"({"v":1,"id":3,"method":"echo","params":{"text":"hi"}})");
  REQUIRE(response.ok());
  CHECK(response.id == std::optional<uint64_t>(3));
  CHECK((*response.result)["text"].asString() == "hi");
  CHECK((*response.result)["caller"].asString() == "laptop-1");
}

TEST_CASE("bad requests become error responses") {
  const Dispatcher dispatcher = makeDispatcher();
  struct Case {
    std::string text;
    std::optional<uint64_t> id;
    const char* code;
  };
  const Case cases[] = {
      {"garbage", std::nullopt, code::kParseError},
      {R"({"v":9,"id":4,"method":"echo"})", 4, code::kUnsupportedVersion},
      {R"({"v":1,"id":5,"method":"nope"})", 5, code::kMethodNotFound},
      {R"({"v":1,"id":6,"method":"echo"})", 6, code::kInvalidParams},
      {R"({"v":1,"id":7,"method":"echo","params":{"text":5}})", 7, code::kInvalidParams},
      {R"({"v":1,"id":8,"method":"echo","params":{"text":""}})", 8, code::kInvalidParams},
      {R"({"v":1,"id":9,"method":"echo","params":{"text":"x","txet":"y"}})", 9,
       code::kInvalidParams},
      {R"({"v":1,"id":10,"method":"echo","params":{"text":"0123456789abcdefg"}})", 10,
       code::kInvalidParams},
      {R"({"v":1,"id":11,"method":"throws","params":{"nested":{"a":1}}})", 11, code::kInternal},
      {R"({"v":1,"id":12,"method":"array"})", 12, code::kInternal},
      {R"({"v":1,"id":13,"method":"raw.throw"})", 13, code::kInternal},
  };
  for (const Case& testCase : cases) {
    CAPTURE(testCase.text);
    const Response response = call(dispatcher, testCase.text);
    REQUIRE(response.error.has_value());
    CHECK(response.id == testCase.id);
    CHECK(response.error->code == testCase.code);
  }
  // A null result means an empty object.
  const Response empty = call(dispatcher, R"({"v":1,"id":14,"method":"nothing"})");
  REQUIRE(empty.ok());
  CHECK(empty.result->isObject());
}

TEST_CASE("registration refuses duplicates and bad names") {
  Dispatcher dispatcher = makeDispatcher();
  const Handler handler = [](const Json::Value&,
                             const CallContext&) -> Result<Json::Value, RpcError> {
    return Json::Value();
  };
  CHECK_FALSE(dispatcher.add("echo", handler).ok());
  CHECK_FALSE(dispatcher.add("Bad Name", handler).ok());
  CHECK_FALSE(dispatcher.add("ok.name", nullptr).ok());
  CHECK(dispatcher.add("ok.name", handler).ok());
  CHECK(dispatcher.has("ok.name"));
}

TEST_CASE("random byte strings never crash the dispatcher") {
  const Dispatcher dispatcher = makeDispatcher();
  uint64_t state = 0x1234567u;
  const std::string alphabet = "{}[]\":,0123456789.-eE tfnrulasv\\\x80\xC3\xFF";
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const size_t length = state % 64;
    for (size_t i = 0; i < length; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      text.push_back(alphabet[(state >> 33) % alphabet.size()]);
    }
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const std::string answer = dispatcher.handle(text, CallContext{});
    CAPTURE(text);
    CHECK(parseResponse(answer).ok());
  }
}

}  // namespace hp::protocol::rpc

namespace hp::protocol::rpc {

// Found by fuzz_admin_line (tools/fuzz/corpus/fuzz_admin_line/found_key_cut_in_utf8): an
// unknown member's name is quoted in the error, cut to 32 bytes; cut inside a multi-byte UTF-8
// character, it made the answer invalid UTF-8, which no client can parse.
TEST_CASE("an unknown name cut for the error message stays valid UTF-8") {
  const Dispatcher dispatcher = makeDispatcher();
  // 30 ASCII bytes, then a 4-byte character across the 32-byte cut.
  const std::string name = std::string(30, 'k') + "\xF0\x9F\x98\x80";
  for (const std::string& text :
       {R"({"v":1,"id":7,")" + name + R"(":1,"method":"echo"})",
        R"({"v":1,"id":8,"method":"echo","params":{")" + name + R"(":"x"}})"}) {
    const std::string answer = dispatcher.handle(text, CallContext{});
    auto response = parseResponse(answer);
    REQUIRE_MESSAGE(response.ok(), answer);
    REQUIRE(response->error.has_value());
    CHECK(response->error->message.find(std::string(30, 'k')) != std::string::npos);
  }
}

}  // namespace hp::protocol::rpc
