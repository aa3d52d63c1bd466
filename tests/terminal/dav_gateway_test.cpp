#include <doctest.h>

// terminal dav's pure half (docs/pim.md): loopback only, and error texts the client shows.
#include "host/terminal/dav_gateway.hpp"

using namespace hp::terminal;

TEST_CASE("dav: only loopback addresses are served") {
  CHECK(parseLoopbackListen("127.0.0.1:5232").ok());
  CHECK(parseLoopbackListen("127.0.0.1:0").ok());
  CHECK_FALSE(parseLoopbackListen("0.0.0.0:5232").ok());
  CHECK_FALSE(parseLoopbackListen("192.168.1.2:5232").ok());
  CHECK_FALSE(parseLoopbackListen("127.0.0.1:99999").ok());
  CHECK_FALSE(parseLoopbackListen("localhost:5232").ok());
}

TEST_CASE("dav: an error's text is its reason phrase, without control characters") {
  const std::string response = httpError(503, "the access card is locked\r\nX: y", true);
  CHECK(response.rfind("HTTP/1.1 503 terminal dav: the access card is locked", 0) == 0);
  // In the head no injected field; the body (framed by Content-Length) may say anything.
  const std::string head = response.substr(0, response.find("\r\n\r\n"));
  CHECK(head.find("\r\nX: y") == std::string::npos);
  CHECK(statusOfRpcError("pim_forbidden") == 403);
  CHECK(statusOfRpcError("channel_cut") == 502);
}

TEST_CASE("dav: framing headers stay on the terminal, the rest goes to the home server") {
  hp::protocol::http::Request request;
  request.method = "PROPFIND";
  request.target = "/alice/";
  request.headers = {
      {"host", "x"}, {"content-length", "0"}, {"depth", "1"}, {"authorization", "Basic x"}};
  auto params = pimParamsOf(request);
  CHECK(params.headers.count("host") == 0);
  CHECK(params.headers.count("content-length") == 0);
  CHECK(params.headers.count("depth") == 1);
  // Forwarded on purpose: the home server's whitelist drops it (tests/home_server).
  CHECK(params.headers.count("authorization") == 1);
}
