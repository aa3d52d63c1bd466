#include <doctest.h>

// The PIM wing's relay policy (docs/pim.md): attacker cases first. A terminal reaches only its
// own user's collections and the discovery paths, and never chooses the user Radicale sees.
#include "host/home_server/pim/pim_relay.hpp"

namespace policy = hp::home_server::pim_policy;

TEST_CASE("pim policy: another user's collection and path tricks are refused") {
  CHECK_FALSE(policy::checkPath("alice", "/bob/").empty());
  CHECK_FALSE(policy::checkPath("alice", "/bob/calendar/x.ics").empty());
  CHECK_FALSE(policy::checkPath("alice", "/alice/../bob/calendar/").empty());
  CHECK_FALSE(policy::checkPath("alice", "/alice/%2e%2e/bob/").empty());
  CHECK_FALSE(policy::checkPath("alice", "/%62ob/").empty());  // "bob", escaped
  CHECK_FALSE(policy::checkPath("alice", "/alice//calendar/").empty());
  CHECK_FALSE(policy::checkPath("alice", "/alice/x?y=1").empty());
  CHECK_FALSE(policy::checkPath("alice", "/alice/%0d%0aX-Remote-User:%20bob").empty());
  CHECK_FALSE(policy::checkPath("alice", "/alice/%zz").empty());
  CHECK_FALSE(policy::checkPath("alice", "alice/").empty());
  CHECK_FALSE(policy::checkPath("alice", "/alicex/").empty());
  CHECK_FALSE(policy::checkPath("alice", "/.well-known/other").empty());
}

TEST_CASE("pim policy: the user's own paths and discovery pass") {
  CHECK(policy::checkPath("alice", "/").empty());
  CHECK(policy::checkPath("alice", "/alice").empty());
  CHECK(policy::checkPath("alice", "/alice/").empty());
  CHECK(policy::checkPath("alice", "/alice/calendar/ev%40x.ics").empty());
  CHECK(policy::checkPath("alice", "/.well-known/caldav").empty());
  CHECK(policy::checkPath("alice", "/.well-known/carddav").empty());
}

TEST_CASE("pim policy: client auth headers never reach Radicale; the home server names the user") {
  std::map<std::string, std::string> fromClient{{"authorization", "Basic Ym9iOng="},
                                                {"x-remote-user", "bob"},
                                                {"cookie", "a=b"},
                                                {"host", "evil"},
                                                {"content-length", "99999"},
                                                {"transfer-encoding", "chunked"},
                                                {"depth", "1"},
                                                {"content-type", "text/calendar"}};
  auto kept = policy::forwardedHeaders(fromClient);
  REQUIRE(kept.ok());
  CHECK(kept->size() == 2);
  CHECK(kept->count("depth") == 1);
  CHECK(kept->count("content-type") == 1);
  hp::protocol::rpc::PimRequest::Params params;
  params.method = "PUT";
  params.path = "/alice/calendar/x.ics";
  params.body = {'a', 'b'};
  const std::string request = policy::buildRequest(params, *kept, "alice", 5232);
  CHECK(request.find("X-Remote-User: alice\r\n") != std::string::npos);
  CHECK(request.find("bob") == std::string::npos);
  CHECK(request.find("Content-Length: 2\r\n") != std::string::npos);
  CHECK(request.find("chunked") == std::string::npos);
}

TEST_CASE("pim policy: header injection and unknown methods are refused") {
  CHECK_FALSE(policy::forwardedHeaders({{"depth", "1\r\nX-Remote-User: bob"}}).ok());
  CHECK_FALSE(policy::checkMethod("MOVE").empty());
  CHECK_FALSE(policy::checkMethod("CONNECT").empty());
  CHECK_FALSE(policy::checkMethod("get").empty());
  CHECK(policy::checkMethod("REPORT").empty());
  CHECK(policy::checkMethod("PROPFIND").empty());
  CHECK(policy::returnedHeader("etag"));
  CHECK_FALSE(policy::returnedHeader("set-cookie"));
}

TEST_CASE("pim contract: the JSON both ends read") {
  namespace wire = hp::protocol::rpc;
  Json::Reader reader;
  Json::Value json;
  REQUIRE(reader.parse(R"({"stream":7})", json));
  auto more = wire::PimMore::Params::fromJson(json);
  REQUIRE(more.ok());
  CHECK(more->stream == 7);
  CHECK(wire::PimMore::Params::fromJson(wire::PimMore::Params{9}.toJson())->stream == 9);
  for (const char* bad : {R"({})", R"({"stream":1.5})", R"({"stream":"7"})", R"({"stream":-1})",
                          R"({"stream":1,"x":2})"}) {
    INFO(bad);
    REQUIRE(reader.parse(bad, json));
    CHECK_FALSE(wire::PimMore::Params::fromJson(json).ok());
  }
  wire::PimRequest::Result result;
  result.status = 207;
  result.attached = 100;
  result.rest = 5;
  result.stream = 3;
  auto back = wire::PimRequest::Result::fromJson(result.toJson());
  REQUIRE(back.ok());
  CHECK(back->attached == 100);
  CHECK(back->rest == 5);
  CHECK(back->stream == 3);
  CHECK(back->body.empty());
}
