#include <doctest.h>

#include "host/terminal/http_message.hpp"

using hp::protocol::url::parseHttpsUrl;
using hp::terminal::buildHttpRequest;
using hp::terminal::parseHttpAnswer;

TEST_CASE("http: requests carry Host, Connection: close and a POST body with its length") {
  auto url = parseHttpsUrl("https://localhost:4433/cart?x=1").value();
  const std::string get = buildHttpRequest("GET", url, "");
  CHECK(get.rfind("GET /cart?x=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(get.find("\r\nHost: localhost:4433\r\n") != std::string::npos);
  CHECK(get.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(get.find("Content-Length") == std::string::npos);
  CHECK(get.substr(get.size() - 4) == "\r\n\r\n");

  const std::string post = buildHttpRequest("POST", url, "a=1&b=2");
  CHECK(post.find("\r\nContent-Length: 7\r\n") != std::string::npos);
  CHECK(post.substr(post.size() - 11) == "\r\n\r\na=1&b=2");
}

TEST_CASE("http: answers with Content-Length, chunked or read to close") {
  auto sized = parseHttpAnswer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA");
  REQUIRE(sized.ok());
  CHECK(sized->status == 200);
  CHECK(sized->reason == "OK");
  CHECK(sized->success());
  CHECK(sized->body == "hello");

  auto chunked = parseHttpAnswer(
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
      "6;ext=1\r\n world\r\n0\r\n\r\n");
  REQUIRE(chunked.ok());
  CHECK(chunked->status == 201);
  CHECK(chunked->body == "hello world");

  auto toClose = parseHttpAnswer("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n<html>nope</html>");
  REQUIRE(toClose.ok());
  CHECK(toClose->status == 404);
  CHECK_FALSE(toClose->success());
  CHECK(toClose->body == "<html>nope</html>");
  REQUIRE(toClose->headers.size() == 1);
  CHECK(toClose->headers[0].first == "server");
}

TEST_CASE("http: broken answers are errors, not guesses") {
  for (const char* bad :
       {"", "HTTP/1.1 200 OK\r\n", "SMTP 220 hello\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 020 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    INFO(bad);
    CHECK_FALSE(parseHttpAnswer(bad).ok());
  }
}
