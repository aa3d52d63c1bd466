// protocol/http: requests cut out of a byte stream, as the shop and bank servers read them.
#include <doctest.h>

#include <string>

#include "protocol/http/http_message.hpp"

using hp::protocol::http::Limits;
using hp::protocol::http::RequestParser;

namespace {

// The error status of the first outcome, 0 for "more bytes needed", 1 for a request.
int outcomeOf(const std::string& text, size_t maxBody = 100, bool chunked = true) {
  RequestParser parser(maxBody, chunked);
  parser.feed(text);
  const auto outcome = parser.next();
  if (outcome.error) return outcome.error->status;
  return outcome.request ? 1 : 0;
}

}  // namespace

TEST_SUITE("protocol") {
  TEST_CASE("http request: pieces, Content-Length and chunked bodies, pipelining") {
    const std::string text =
        "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello"
        "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;e\r\nde\r\n0\r\n"
        "T: 1\r\n\r\nGET /d HTTP/1.0\r\n\r\n";
    RequestParser parser(1024);
    std::string seen;
    for (char c : text) {
      parser.feed(std::string(1, c));
      while (true) {
        auto outcome = parser.next();
        REQUIRE_FALSE(outcome.error.has_value());
        if (!outcome.request) break;
        seen += outcome.request->method + " " + outcome.request->target + " " +
                outcome.request->body + (outcome.request->keepAlive() ? " keep" : " close") + "|";
        if (outcome.request->method == "POST") CHECK(outcome.request->headers.at("x-a") == "b");
      }
    }
    CHECK(seen == "POST /orders hello keep|PUT /c abcde keep|GET /d  close|");
    CHECK(parser.empty());
  }

  TEST_CASE("http request: malformed requests are errors with a status") {
    CHECK(outcomeOf("GET\r\n\r\n") == 400);
    CHECK(outcomeOf("GET /a b HTTP/1.1\r\n\r\n") == 400);
    CHECK(outcomeOf("GET http://x/ HTTP/1.1\r\n\r\n") == 400);
    CHECK(outcomeOf("GET /\x01 HTTP/1.1\r\n\r\n") == 400);
    CHECK(outcomeOf("G(T / HTTP/1.1\r\n\r\n") == 400);
    CHECK(outcomeOf("GET / HTTP/3\r\n\r\n") == 505);
    CHECK(outcomeOf("GET / HTTP/1.1\r\n: x\r\n\r\n") == 400);
    CHECK(outcomeOf("GET / HTTP/1.1\r\nA: 1\nB: 2\r\n\r\n") == 400);  // bare LF in a value
    CHECK(outcomeOf("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
    CHECK(outcomeOf("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400);
    CHECK(outcomeOf("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx") == 1);
    CHECK(outcomeOf("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n") == 413);
    CHECK(outcomeOf(std::string(9000, 'G')) == 431);
    CHECK(outcomeOf("GET / HTTP/1.1\r\n") == 0);
    // Both framings at once: the classic request-smuggling shape.
    CHECK(outcomeOf("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\n\r\n") == 400);
    CHECK(outcomeOf("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == 501);
    // A server that wants Content-Length says so.
    CHECK(outcomeOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 100, false) == 411);
    CHECK(outcomeOf("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 100, false) == 411);
  }

  TEST_CASE("http request: chunked bodies within the limits") {
    const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(outcomeOf(head + "5\r\nhello\r\n0\r\n\r\n", 5) == 1);
    CHECK(outcomeOf(head + "5\r\nhello\r\n1\r\n", 5) == 413);  // known before the data
    CHECK(outcomeOf(head + "FFFFFFFFFFFFFFFF\r\n", SIZE_MAX) == 400);
    CHECK(outcomeOf(head + "FFFFFFFFF", SIZE_MAX) == 400);  // too long before its CRLF
    CHECK(outcomeOf(head + "5\r\nhelloXY", 100) == 400);
    CHECK(outcomeOf(head + "5\r\nhel", 100) == 0);
    CHECK(outcomeOf(head + "5;" + std::string(2000, 'e'), 100) == 400);  // endless extension
    Limits limits;
    limits.maxHeaderBytes = 48;  // the head above is 43 bytes
    RequestParser parser(limits);
    parser.feed(head + "0\r\n" + std::string(60, 'T'));
    auto outcome = parser.next();
    REQUIRE(outcome.error.has_value());
    CHECK(outcome.error->status == 431);  // trailers are bounded like a head
  }
}
