// In-process: the HTTP request parser and the shop's payment check, without a server.
#include <doctest.h>

#include <random>

#include "tests/merchant/merchant_fixture.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tools/merchant/api_error.hpp"
#include "tools/merchant/server_http.hpp"
#include "tools/shop_server/payment_check.hpp"

namespace hp::merchant::test {

TEST_SUITE("merchant") {
  TEST_CASE("a request arriving in pieces is parsed once complete, body by Content-Length") {
    HttpRequestParser parser(1024);
    const std::string text =
        "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhelloGET /c "
        "HTTP/1.1\r\n\r\n";
    for (size_t i = 0; i + 1 < 30; ++i) {
      parser.feed(text.substr(i, 1));
      const auto outcome = parser.next();
      CHECK_FALSE(outcome.request.has_value());
      CHECK_FALSE(outcome.error.has_value());
    }
    parser.feed(text.substr(29));
    auto first = parser.next();
    REQUIRE(first.request.has_value());
    CHECK(first.request->method == "POST");
    CHECK(first.request->target == "/orders");
    CHECK(first.request->body == "hello");
    CHECK(first.request->headers.at("x-a") == "b");
    CHECK(first.request->keepAlive());
    auto second = parser.next();
    REQUIRE(second.request.has_value());
    CHECK(second.request->target == "/c");
    CHECK(second.request->body.empty());
    CHECK(parser.empty());
  }

  TEST_CASE("malformed requests are errors with a status, not guesses") {
    auto errorFor = [](const std::string& text) {
      HttpRequestParser parser(100);
      parser.feed(text);
      const auto outcome = parser.next();
      return outcome.error ? outcome.error->status : 0;
    };
    CHECK(errorFor("GET\r\n\r\n") == 400);
    CHECK(errorFor("GET /a b HTTP/1.1\r\n\r\n") == 400);
    CHECK(errorFor("GET http://x/ HTTP/1.1\r\n\r\n") == 400);
    CHECK(errorFor("GET /\x01 HTTP/1.1\r\n\r\n") == 400);
    CHECK(errorFor("GET / HTTP/3\r\n\r\n") == 505);
    CHECK(errorFor("GET / HTTP/1.1\r\n: x\r\n\r\n") == 400);
    CHECK(errorFor("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
    CHECK(errorFor("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400);
    CHECK(errorFor("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n") == 413);
    CHECK(errorFor("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 411);
    CHECK(errorFor(std::string(9000, 'G')) == 431);
    CHECK(errorFor("GET / HTTP/1.1\r\n") == 0);  // incomplete, not wrong
  }

  TEST_CASE("random damage to requests: a request, an error or 'more', never a crash") {
    const std::string valid =
        "POST /orders/AB/pay HTTP/1.1\r\nHost: localhost\r\nContent-Length: 17\r\n\r\n"
        "{\"payment\":\"AA\"}";
    std::mt19937 random(20261201);  // fixed: a failure replays
    size_t requests = 0, errors = 0;
    for (int round = 0; round < 20000; ++round) {
      std::string text = valid;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits; ++e) {
        const size_t at = random() % text.size();
        switch (random() % 3) {
          case 0:
            text[at] = static_cast<char>(random() % 256);
            break;
          case 1:
            text.erase(at, 1 + random() % 8);
            break;
          default:
            text.insert(at, std::string(1 + random() % 4, static_cast<char>(random() % 256)));
        }
        if (text.empty()) text = "x";
      }
      HttpRequestParser parser(64);
      parser.feed(text);
      // Drain: at most as many requests as bytes, then it must stop asking.
      for (size_t i = 0; i <= text.size(); ++i) {
        const auto outcome = parser.next();
        if (outcome.error) {
          ++errors;
          CHECK(outcome.error->status >= 400);
          break;
        }
        if (!outcome.request) break;
        ++requests;
        CHECK(outcome.request->body.size() <= 64);
      }
    }
    CHECK(requests > 0);
    CHECK(errors > 0);
  }

  TEST_CASE("Connection semantics and response framing") {
    HttpRequest request;
    request.version = "HTTP/1.0";
    CHECK_FALSE(request.keepAlive());
    request.headers["connection"] = "Keep-Alive";
    CHECK(request.keepAlive());
    request.version = "HTTP/1.1";
    request.headers["connection"] = "close";
    CHECK_FALSE(request.keepAlive());
    const std::string text = formatResponse(HttpResponse{201, "{}"}, false);
    CHECK(text ==
          "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
          "Connection: close\r\n\r\n{}");
    CHECK(pathSegments("/orders/ab/pay?x=1") == std::vector<std::string>{"orders", "ab", "pay"});
    CHECK(pathSegments("/orders//pay") == std::vector<std::string>{"orders", "", "pay"});
  }

  TEST_CASE("payment check: each field and the signature") {
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    const Bytes point = publicPointOfKeyFile(hp::tls_proxy::test::testPki().userEcKey);
    const shop_server::ExpectedPayment expected{"localhost", "REF1", "EUR", 500};
    auto check = [&](const Bytes& record, const std::optional<Bytes>& key = std::nullopt) {
      return shop_server::checkPayment(expected, key ? key : std::optional<Bytes>(point),
                                       "EC P-256", record);
    };
    auto good = check(purse.sign(purse.debit("localhost", "REF1", "EUR", 500, 9)));
    REQUIRE(good.ok());
    CHECK(good->entry.txn == 9);
    CHECK(check(purse.sign(purse.debit("localhost", "REF1", "EUR", 501))).error().code ==
          "wrong_amount");
    CHECK(check(purse.sign(purse.debit("localhost", "REF2", "EUR", 500))).error().code ==
          "wrong_order");
    CHECK(check(purse.sign(purse.debit("other", "REF1", "EUR", 500))).error().code == "wrong_shop");
    const Bytes otherPoint = publicPointOfKeyFile(merchantFiles().otherEcKey);
    CHECK(
        check(purse.sign(purse.debit("localhost", "REF1", "EUR", 500)), otherPoint).error().code ==
        "bad_signature");
    const auto noEcKey =
        shop_server::checkPayment(expected, std::nullopt, "RSA 2048",
                                  purse.sign(purse.debit("localhost", "REF1", "EUR", 500)));
    CHECK(noEcKey.error().status == 403);
    CHECK(check(Bytes{0x00, 0x01, 0x02}).error().status == 400);
  }

}  // TEST_SUITE

}  // namespace hp::merchant::test
