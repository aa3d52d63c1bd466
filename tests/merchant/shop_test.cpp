// The shop server as a process, driven over TLS by clients with the test PKI's certificates:
// orders, payments with card-signed records, receipts, cancellations, every refusal,
// resumption (session ID, ticket, and the proxy facility's delegated sessions), and the ledger
// after kill -9.
#include <doctest.h>
#include <mbedtls/x509_crt.h>

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "host/tls_proxy/delegated_handshake.hpp"
#include "host/tls_proxy/resumed_connection.hpp"
#include "host/tls_proxy/software_signer.hpp"
#include "tests/merchant/merchant_fixture.hpp"
#include "tests/merchant/server_process.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace hp::merchant::test {

namespace {

namespace purse = protocol::purse;

std::vector<std::string> shopArgs(const std::string& dbPath, std::vector<std::string> extra = {}) {
  const auto& pki = hp::tls_proxy::test::testPki();
  const auto& files = merchantFiles();
  std::vector<std::string> args = {
      "--cert",           pki.shopCert,         "--key",       pki.shopKey,     "--ca", pki.caCert,
      "--signing-key",    files.shopSigningKey, "--catalogue", files.catalogue, "--db", dbPath,
      "--exit-with-stdin"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

struct Shop {
  explicit Shop(std::vector<std::string> extra = {})
      : process("SHOP_SERVER", shopArgs(dir.file("shop.db"), std::move(extra))) {}
  TempDir dir;
  ServerProcess process;
  uint16_t port() const { return process.port(); }
};

Json::Value orderBody(const std::string& sku, uint64_t quantity) {
  Json::Value body;
  body["sku"] = sku;
  body["quantity"] = Json::UInt64(quantity);
  return body;
}

Json::Value paymentBody(ByteView record) {
  Json::Value body;
  body["payment"] = base64(record);
  return body;
}

// Creates an order and returns its reference (amount: price * quantity).
std::string createOrder(TestClient& client, const std::string& sku = "tea", uint64_t quantity = 2) {
  const HttpResult created = client.post("/orders", orderBody(sku, quantity));
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(created.json["status"] == "awaiting_payment");
  return created.json["order_ref"].asString();
}

purse::Receipt checkedReceipt(const std::string& base64Receipt) {
  const auto parts = purse::splitSigned(unbase64(base64Receipt));
  REQUIRE(parts.has_value());
  REQUIRE(purse::verifySigned(publicPointOfKeyFile(merchantFiles().shopSigningKey),
                              purse::kReceiptLabel, *parts));
  const auto receipt = purse::decodeReceipt(parts->body);
  REQUIRE(receipt.has_value());
  return *receipt;
}

}  // namespace

TEST_SUITE("shop") {
  TEST_CASE("catalogue, order, payment with a card-signed record, receipt, identical retry") {
    Shop shop;
    auto client = connected(ecUser(shop.port()));
    const HttpResult catalogue = client->request("GET", "/catalogue");
    REQUIRE(catalogue.status == 200);
    CHECK(catalogue.json["shop_id"] == "localhost");
    CHECK(catalogue.json["currency"] == "EUR");
    REQUIRE(catalogue.json["items"].size() == 2);
    CHECK(catalogue.json["items"][0]["price"].asUInt64() == 350);

    const HttpResult created = client->post("/orders", orderBody("tea", 3));
    REQUIRE(created.status == 201);
    CHECK(created.json["amount"].asUInt64() == 1050);
    CHECK(created.json["shop_id"] == "localhost");
    const std::string ref = created.json["order_ref"].asString();
    CHECK(client->request("GET", "/orders/" + ref).json["status"] == "awaiting_payment");

    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    const Bytes record = purse.sign(purse.debit("localhost", ref, "EUR", 1050, 5));
    const HttpResult paid = client->post("/orders/" + ref + "/pay", paymentBody(record));
    INFO(paid.body);
    REQUIRE(paid.status == 200);
    CHECK(paid.json["status"] == "paid");
    const purse::Receipt receipt = checkedReceipt(paid.json["receipt"].asString());
    CHECK(receipt.shopId == bytesOf("localhost"));
    CHECK(receipt.orderRef == bytesOf(ref));
    CHECK(receipt.purseId == purse.purseId);
    CHECK(receipt.txn == 5);
    CHECK(receipt.currency == "EUR");
    CHECK(receipt.amount == 1050);

    // The answer may have been lost: the same record again gets the same receipt, bit for bit.
    const HttpResult retried = client->post("/orders/" + ref + "/pay", paymentBody(record));
    CHECK(retried.status == 200);
    CHECK(retried.json["receipt"] == paid.json["receipt"]);
    const HttpResult shown = client->request("GET", "/orders/" + ref);
    CHECK(shown.json["status"] == "paid");
    CHECK(shown.json["receipt"] == paid.json["receipt"]);
  }

  TEST_CASE("payments that do not pay this order with this session's key are refused") {
    Shop shop;
    auto client = connected(ecUser(shop.port()));
    const std::string ref = createOrder(*client);  // 700 EUR
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    SoftwarePurse stranger(merchantFiles().otherEcKey);
    const std::string pay = "/orders/" + ref + "/pay";
    auto expectRefused = [&](const Bytes& record, int status, const std::string& code) {
      const HttpResult answer = client->post(pay, paymentBody(record));
      INFO(answer.body);
      CHECK(answer.status == status);
      CHECK(answer.errorCode() == code);
    };

    SUBCASE("wrong amount") {
      expectRefused(purse.sign(purse.debit("localhost", ref, "EUR", 699)), 422, "wrong_amount");
    }
    SUBCASE("wrong currency") {
      expectRefused(purse.sign(purse.debit("localhost", ref, "USD", 700)), 422, "wrong_amount");
    }
    SUBCASE("another shop") {
      expectRefused(purse.sign(purse.debit("shop.example", ref, "EUR", 700)), 422, "wrong_shop");
    }
    SUBCASE("another order") {
      expectRefused(purse.sign(purse.debit("localhost", "0123456789ABCDEF01234567", "EUR", 700)),
                    422, "wrong_order");
    }
    SUBCASE("a credit, not a debit") {
      const Bytes voucherId(16, 0x42);
      auto record = purse.credit("localhost", voucherId, 1, "EUR", 700);
      record.entry.reference = bytesOf(ref);
      expectRefused(purse.sign(record), 422, "not_a_payment");
    }
    SUBCASE("signed by another card than the session's certificate") {
      expectRefused(stranger.sign(stranger.debit("localhost", ref, "EUR", 700)), 422,
                    "bad_signature");
    }
    SUBCASE("altered after signing: amount raised in the signed body") {
      Bytes record = purse.sign(purse.debit("localhost", ref, "EUR", 700));
      const auto parts = purse::splitSigned(record);
      REQUIRE(parts.has_value());
      auto decoded = purse::decodePurseRecord(parts->body);
      REQUIRE(decoded.has_value());
      decoded->entry.balanceAfter += 1;  // any change breaks the signature
      expectRefused(purse::appendSignature(purse::encode(*decoded), parts->signature), 422,
                    "bad_signature");
    }
    SUBCASE("garbage and truncation") {
      Bytes record = purse.sign(purse.debit("localhost", ref, "EUR", 700));
      record.resize(20);  // cut inside the body: the lengths no longer add up
      expectRefused(record, 400, "malformed_payment");
      Bytes unsigned_ = purse.sign(purse.debit("localhost", ref, "EUR", 700));
      const auto parts = purse::splitSigned(unsigned_);
      REQUIRE(parts.has_value());
      Bytes flipped = purse::appendSignature(parts->body, parts->signature);
      flipped.back() ^= 0x01;  // the signature's last byte (part of s)
      expectRefused(flipped, 422, "bad_signature");
      const HttpResult notBase64 = client->request("POST", pay, R"({"payment":"%%%"})");
      CHECK(notBase64.status == 400);
      const HttpResult noField = client->request("POST", pay, R"({"pay":"AAAA"})");
      CHECK(noField.status == 400);
      const HttpResult notJson = client->request("POST", pay, "{payment:");
      CHECK(notJson.status == 400);
      CHECK(notJson.errorCode() == "bad_request");
    }
    // Nothing above paid the order.
    CHECK(client->request("GET", "/orders/" + ref).json["status"] == "awaiting_payment");
    const HttpResult good =
        client->post(pay, paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 700))));
    CHECK(good.status == 200);
  }

  TEST_CASE(
      "a paid order refuses another record (409); cancel gives one signed cancellation, pending") {
    Shop shop;
    auto client = connected(ecUser(shop.port()));
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    const std::string ref = createOrder(*client);
    const std::string base = "/orders/" + ref;

    const HttpResult early = client->request("POST", base + "/cancel");
    CHECK(early.status == 409);
    CHECK(early.errorCode() == "not_paid");

    REQUIRE(client
                ->post(base + "/pay",
                       paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 700, 3))))
                .status == 200);
    // Another valid record for the same order (another txn): not a retry, a second payment.
    const HttpResult again = client->post(
        base + "/pay", paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 700, 4))));
    CHECK(again.status == 409);
    CHECK(again.errorCode() == "already_paid");

    const HttpResult cancelled = client->request("POST", base + "/cancel");
    INFO(cancelled.body);
    REQUIRE(cancelled.status == 200);
    CHECK(cancelled.json["status"] == "cancel_pending");
    const auto parts = purse::splitSigned(unbase64(cancelled.json["cancellation"].asString()));
    REQUIRE(parts.has_value());
    CHECK(purse::verifySigned(publicPointOfKeyFile(merchantFiles().shopSigningKey),
                              purse::kCancellationLabel, *parts));
    const auto cancellation = purse::decodeCancellation(parts->body);
    REQUIRE(cancellation.has_value());
    CHECK(cancellation->shopId == bytesOf("localhost"));
    CHECK(cancellation->purseId == purse.purseId);
    CHECK(cancellation->txn == 3);  // the paying debit's txn, as the card's CANCEL needs
    CHECK(cancellation->orderRef == bytesOf(ref));
    CHECK(cancellation->amount == 700);
    CHECK(cancellation->currency == "EUR");

    const HttpResult repeated = client->request("POST", base + "/cancel");
    CHECK(repeated.status == 200);
    CHECK(repeated.json["cancellation"] == cancelled.json["cancellation"]);
    const HttpResult payCancelled = client->post(
        base + "/pay", paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 700, 3))));
    CHECK(payCancelled.status == 409);
    CHECK(client->request("GET", base).json["status"] == "cancel_pending");
  }

  TEST_CASE("cancel/confirm takes only the card's refund of this payment, once") {
    Shop shop;
    auto client = connected(ecUser(shop.port()));
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    const std::string ref = createOrder(*client);
    const std::string base = "/orders/" + ref;
    auto refundBody = [&](const purse::PurseRecord& record) {
      Json::Value body;
      body["refund"] = base64(purse.sign(record));
      return body;
    };
    const purse::PurseRecord good = purse.refund("localhost", ref, 3, "EUR", 700, 5);

    const HttpResult unpaid = client->post(base + "/cancel/confirm", refundBody(good));
    CHECK(unpaid.status == 409);
    CHECK(unpaid.errorCode() == "not_cancel_pending");
    REQUIRE(client
                ->post(base + "/pay",
                       paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 700, 3))))
                .status == 200);
    const HttpResult notPending = client->post(base + "/cancel/confirm", refundBody(good));
    CHECK(notPending.errorCode() == "not_cancel_pending");
    REQUIRE(client->request("POST", base + "/cancel").status == 200);

    struct Refused {
      const char* what;
      Json::Value body;
      int status;
      const char* code;
    };
    purse::PurseRecord otherPurse = good;
    otherPurse.purseId.fill(0x22);
    Json::Value garbage;
    garbage["refund"] = base64(bytesOf("not a record"));
    Bytes altered = purse.sign(good);
    altered[altered.size() / 3] ^= 0x01;  // inside the body: amount, party or the like
    Json::Value alteredBody;
    alteredBody["refund"] = base64(altered);
    SoftwarePurse forger(merchantFiles().otherEcKey);
    Json::Value forged;
    forged["refund"] = base64(forger.sign(good));
    const std::vector<Refused> refusals = {
        {"no refund field", Json::Value(Json::objectValue), 400, "bad_request"},
        {"not a signed record", garbage, 400, "malformed_refund"},
        {"a debit", paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 700, 5))), 400,
         "bad_request"},
        {"a debit in the refund field", refundBody(purse.debit("localhost", ref, "EUR", 700, 5)),
         422, "not_a_refund"},
        {"another shop", refundBody(purse.refund("shop.example", ref, 3, "EUR", 700, 5)), 422,
         "wrong_shop"},
        {"another order", refundBody(purse.refund("localhost", ref + "0", 3, "EUR", 700, 5)), 422,
         "wrong_order"},
        {"another payment", refundBody(purse.refund("localhost", ref, 4, "EUR", 700, 5)), 422,
         "wrong_payment"},
        {"another purse", refundBody(otherPurse), 422, "wrong_payment"},
        {"another amount", refundBody(purse.refund("localhost", ref, 3, "EUR", 699, 5)), 422,
         "wrong_amount"},
        {"another currency", refundBody(purse.refund("localhost", ref, 3, "USD", 700, 5)), 422,
         "wrong_amount"},
        {"signed by another key", forged, 422, "bad_signature"},
    };
    for (const Refused& refused : refusals) {
      INFO(refused.what);
      const HttpResult answer = client->post(base + "/cancel/confirm", refused.body);
      INFO(answer.body);
      CHECK(answer.status == refused.status);
      CHECK(answer.errorCode() == refused.code);
      CHECK(client->request("GET", base).json["status"] == "cancel_pending");
    }
    const HttpResult alteredAnswer = client->post(base + "/cancel/confirm", alteredBody);
    CHECK(alteredAnswer.status >= 400);
    CHECK(client->request("GET", base).json["status"] == "cancel_pending");

    const Json::Value goodBody = refundBody(good);
    const HttpResult confirmed = client->post(base + "/cancel/confirm", goodBody);
    INFO(confirmed.body);
    REQUIRE(confirmed.status == 200);
    CHECK(confirmed.json["status"] == "cancelled");
    const HttpResult retried = client->post(base + "/cancel/confirm", goodBody);
    CHECK(retried.status == 200);
    CHECK(retried.json["status"] == "cancelled");
    const HttpResult another = client->post(
        base + "/cancel/confirm", refundBody(purse.refund("localhost", ref, 3, "EUR", 700, 6)));
    CHECK(another.status == 409);
    CHECK(another.errorCode() == "already_cancelled");
    const HttpResult shown = client->request("GET", base);
    CHECK(shown.json["status"] == "cancelled");
    CHECK(shown.json["refund"] == goodBody["refund"]);
    const HttpResult cancelAgain = client->request("POST", base + "/cancel");
    CHECK(cancelAgain.status == 200);
    CHECK(cancelAgain.json["status"] == "cancelled");
  }

  TEST_CASE("orders belong to the certificate that created them") {
    Shop shop;
    auto owner = connected(ecUser(shop.port()));
    auto other = connected(otherEcUser(shop.port()));
    const std::string ref = createOrder(*owner);
    SoftwarePurse otherPurse(merchantFiles().otherEcKey);
    CHECK(other->request("GET", "/orders/" + ref).status == 404);
    const HttpResult pay =
        other->post("/orders/" + ref + "/pay",
                    paymentBody(otherPurse.sign(otherPurse.debit("localhost", ref, "EUR", 700))));
    CHECK(pay.status == 404);
    CHECK(pay.errorCode() == "no_such_order");
    CHECK(other->request("POST", "/orders/" + ref + "/cancel").status == 404);
    CHECK(owner->request("GET", "/orders/" + ref).json["status"] == "awaiting_payment");
  }

  TEST_CASE("an RSA client certificate can order but not pay; no certificate, no connection") {
    Shop shop;
    auto rsa = connected(rsaUser(shop.port()));
    const std::string ref = createOrder(*rsa);
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    const HttpResult pay =
        rsa->post("/orders/" + ref + "/pay",
                  paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 700))));
    INFO(pay.body);
    CHECK(pay.status == 403);
    CHECK(pay.errorCode() == "client_key_not_ec");
    CHECK(pay.json["error"]["message"].asString().find("RSA") != std::string::npos);

    ClientOptions anonymous;
    anonymous.port = shop.port();
    CHECK(TestClient::connect(anonymous) == nullptr);
    CHECK(shop.process.log().find("No client certification") != std::string::npos);
  }

  TEST_CASE("malformed HTTP gets a JSON 4xx, never a crash; the server goes on") {
    Shop shop;
    auto expectError = [&](const std::string& raw, int status) {
      auto client = connected(ecUser(shop.port()));
      const std::string answer = client->raw(raw);
      INFO(raw << " -> " << answer);
      const HttpResult parsed = parseHttpResponse(answer);
      CHECK(parsed.status == status);
      CHECK(parsed.json["error"]["message"].isString());
    };
    expectError("NONSENSE\r\n\r\n", 400);
    expectError("GET catalogue HTTP/1.1\r\n\r\n", 400);
    expectError("GET /catalogue HTTP/2.0\r\n\r\n", 505);
    expectError("GET /catalogue HTTP/1.1\r\nNoColon\r\n\r\n", 400);
    expectError("POST /orders HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400);
    expectError("POST /orders HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413);
    expectError("POST /orders HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411);
    expectError("GET /x HTTP/1.1\r\n" + std::string(10000, 'a') + ": b\r\n\r\n", 431);
    expectError("POST /orders HTTP/1.1\r\nContent-Length: 8\r\nConnection: close\r\n\r\n[1,2,3] ",
                400);
    expectError(
        "POST /orders HTTP/1.1\r\nContent-Length: 14\r\nConnection: "
        "close\r\n\r\n{\"sku\":\"nope\"}",
        404);
    expectError("DELETE /catalogue HTTP/1.1\r\nConnection: close\r\n\r\n", 405);
    expectError("GET /orders/x/y/z HTTP/1.1\r\nConnection: close\r\n\r\n", 404);
    // A client that sends half a request and disappears.
    {
      auto client = connected(ecUser(shop.port()));
      (void)client->request("GET", "/catalogue");
    }
    auto client = connected(ecUser(shop.port()));
    CHECK(client->request("GET", "/catalogue").status == 200);
    // Keep-alive: several requests on one connection.
    for (int i = 0; i < 3; ++i) CHECK(client->request("GET", "/catalogue").status == 200);
  }

  TEST_CASE("resumed sessions still carry the client certificate: pay over them") {
    struct Case {
      const char* name;
      std::vector<std::string> serverFlags;
      bool clientOffersTickets;
    };
    const Case cases[] = {
        {"session ID (server without tickets)", {"--no-tickets"}, true},
        {"session ID (client without tickets)", {}, false},
        {"ticket (server without session cache)", {"--no-session-cache"}, true},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      Shop shop(c.serverFlags);
      ClientOptions options = ecUser(shop.port());
      options.offerTickets = c.clientOffersTickets;
      auto first = connected(options);
      CHECK_FALSE(first->resumed());
      const std::string ref = createOrder(*first);
      auto saved = first->session();
      first.reset();

      options.resume = saved.get();
      options.certFile.clear();  // a resuming terminal holds no key: nothing to present
      options.keyFile.clear();
      auto resumed = connected(options);
      CHECK(resumed->resumed());
      SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
      const HttpResult paid =
          resumed->post("/orders/" + ref + "/pay",
                        paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 700))));
      INFO(paid.body);
      CHECK(paid.status == 200);
      CHECK(shop.process.log().find("resumed") != std::string::npos);
    }
  }

  TEST_CASE("without cache and tickets nothing resumes: a keyless client cannot get in") {
    Shop shop({"--no-tickets", "--no-session-cache"});
    auto first = connected(ecUser(shop.port()));
    auto saved = first->session();
    first.reset();
    ClientOptions options;
    options.port = shop.port();
    options.resume = saved.get();
    CHECK(TestClient::connect(options) == nullptr);
  }

  TEST_CASE("the proxy facility's delegated session: full handshake elsewhere, resumed here") {
    for (const bool tickets : {false, true}) {
      CAPTURE(tickets);
      Shop shop;
      const auto& pki = hp::tls_proxy::test::testPki();
      auto signer = tls_proxy::SoftwareSigner::fromPemFiles(pki.userEcKey, pki.userEcCert);
      REQUIRE(signer.ok());
      tls_proxy::DelegatedHandshakeRequest request;
      request.host = "localhost";
      request.connectAddress = "127.0.0.1";
      request.port = shop.port();
      request.caFile = pki.caCert;
      request.offerTickets = tickets;
      request.readTimeoutMs = 5000;
      auto delegated = tls_proxy::performDelegatedHandshake(request, **signer);
      // mbedTLS stores a new session in its cache only after it has sent its Finished (handshake
      // wrap-up), so a resumption within microseconds of the full handshake can miss it. The real
      // terminal gets the session over the control channel, a round trip later; the test waits as
      // long. Tickets need no wait (the ticket is the session), and that case does not wait.
      if (!tickets) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      INFO(shop.process.log());
      REQUIRE_MESSAGE(delegated.ok(), (delegated.ok() ? "" : delegated.error().message));

      // The terminal side: no key, no CA; the shop must resume or the connection fails.
      tls_proxy::ResumeOptions resume;
      resume.connectAddress = "127.0.0.1";
      resume.readTimeoutMs = 5000;
      auto exchange = [&](const std::string& method, const std::string& path,
                          const std::string& body) {
        auto connection = tls_proxy::ResumedConnection::open(delegated->blob, resume);
        REQUIRE_MESSAGE(connection.ok(), (connection.ok() ? "" : connection.error().message));
        CHECK((*connection)->evidence().resumed);
        std::string text = method;
        text.append(" ").append(path).append(
            " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        text.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
        text += body;
        REQUIRE((*connection)->writeAll(bytesOf(text)).ok());
        std::string answer;
        while (true) {
          auto some = (*connection)->readSome();
          REQUIRE(some.ok());
          if (some->empty()) break;
          answer.append(some->begin(), some->end());
        }
        return parseHttpResponse(answer);
      };
      const HttpResult created = exchange("POST", "/orders", R"({"sku":"cake","quantity":1})");
      REQUIRE(created.status == 201);
      const std::string ref = created.json["order_ref"].asString();
      SoftwarePurse purse(pki.userEcKey);
      const HttpResult paid =
          exchange("POST", "/orders/" + ref + "/pay",
                   toJson(paymentBody(purse.sign(purse.debit("localhost", ref, "EUR", 1200)))));
      INFO(paid.body);
      CHECK(paid.status == 200);
      // The order belongs to the user's certificate, whichever connection made it.
      auto direct = connected(ecUser(shop.port()));
      CHECK(direct->request("GET", "/orders/" + ref).json["status"] == "paid");
    }
  }

  TEST_CASE("kill -9 during payments: after restart every order is paid once or still payable") {
    Shop shop;
    SoftwarePurse purse(hp::tls_proxy::test::testPki().userEcKey);
    std::vector<std::string> refs;
    {
      auto client = connected(ecUser(shop.port()));
      for (int i = 0; i < 12; ++i) refs.push_back(createOrder(*client, "tea", 1));
    }
    std::map<std::string, std::string> receipts;  // answers the client saw
    std::mutex receiptsMutex;
    std::atomic<size_t> answered{0};
    std::thread payer([&] {
      // Connection failures are expected once the server is killed; stop at the first.
      for (size_t i = 0; i < refs.size(); ++i) {
        auto client = TestClient::connect(ecUser(shop.port()));
        if (!client) break;
        const std::string text = client->raw(
            "POST /orders/" + refs[i] + "/pay HTTP/1.1\r\nConnection: close\r\nContent-Length: " +
            std::to_string(
                toJson(paymentBody(purse.sign(purse.debit("localhost", refs[i], "EUR", 350,
                                                          static_cast<uint32_t>(i + 1)))))
                    .size()) +
            "\r\n\r\n" +
            toJson(paymentBody(purse.sign(
                purse.debit("localhost", refs[i], "EUR", 350, static_cast<uint32_t>(i + 1))))));
        if (text.rfind("HTTP/1.1 200", 0) != 0) break;
        std::lock_guard lock(receiptsMutex);
        receipts[refs[i]] = parseHttpResponse(text).json["receipt"].asString();
        ++answered;
      }
    });
    // Kill at a random instant after a few payments went through, typically mid-request.
    std::mt19937 random(std::random_device{}());
    while (answered < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 30000));
    shop.process.kill9();
    payer.join();
    MESSAGE("paid before kill -9: " << receipts.size() << " of " << refs.size());
    shop.process.start();

    auto client = connected(ecUser(shop.port()));
    size_t paid = 0;
    for (size_t i = 0; i < refs.size(); ++i) {
      const HttpResult order = client->request("GET", "/orders/" + refs[i]);
      REQUIRE(order.status == 200);  // no order lost
      const Bytes record =
          purse.sign(purse.debit("localhost", refs[i], "EUR", 350, static_cast<uint32_t>(i + 1)));
      if (receipts.count(refs[i]) != 0) {
        // Answered before the kill: stored, with the very receipt the client holds.
        CHECK(order.json["status"] == "paid");
        CHECK(order.json["receipt"].asString() == receipts[refs[i]]);
      }
      if (order.json["status"] == "paid") {
        ++paid;
        // Retrying after the crash answers the stored receipt, whether or not it reached us.
        const HttpResult retried = client->post("/orders/" + refs[i] + "/pay", paymentBody(record));
        CHECK(retried.status == 200);
        CHECK(retried.json["receipt"] == order.json["receipt"]);
      } else {
        CHECK(order.json["status"] == "awaiting_payment");
        CHECK(client->post("/orders/" + refs[i] + "/pay", paymentBody(record)).status == 200);
      }
    }
    CHECK(paid >= receipts.size());
    CHECK(shop.process.stop() == 0);
  }

  TEST_CASE("at most --max-connections at once; SIGTERM and SIGINT stop the server cleanly") {
    Shop shop({"--max-connections", "2"});
    auto first = connected(ecUser(shop.port()));
    auto second = connected(ecUser(shop.port()));
    {
      // Known only after its TLS handshake (a stranger never takes these slots): closed then.
      auto over = TestClient::connect(ecUser(shop.port()));
      CHECK((over == nullptr ||
             over->raw("GET /catalogue HTTP/1.1\r\nHost: localhost\r\n\r\n").empty()));
    }
    CHECK(shop.process.log().find("2 connections already open") != std::string::npos);
    first.reset();  // sends close_notify; its thread ends
    std::unique_ptr<TestClient> third;
    for (int attempt = 0; attempt < 50 && !third; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      third = TestClient::connect(ecUser(shop.port()));
    }
    REQUIRE(third != nullptr);
    CHECK(third->request("GET", "/catalogue").status == 200);
    CHECK(second->request("GET", "/catalogue").status == 200);
    // Open connections do not keep it from stopping.
    CHECK(shop.process.signalAndWait(SIGTERM) == 0);
    CHECK(shop.process.log().find("stopping: Terminated") != std::string::npos);
    shop.process.start();
    CHECK(shop.process.signalAndWait(SIGINT) == 0);
  }

  TEST_CASE("a config file: relative paths from its folder, inline catalogue, flags win") {
    const auto& pki = hp::tls_proxy::test::testPki();
    TempDir dir;
    std::filesystem::copy_file(merchantFiles().shopSigningKey, dir.file("shop-sign.key"));
    Json::Value config;
    config["listen"] = "127.0.0.1:0";
    config["cert"] = pki.shopCert;
    config["key"] = pki.shopKey;
    config["ca"] = pki.caCert;
    config["signing_key"] = "shop-sign.key";  // relative: next to the config file
    config["db"] = "shop.db";
    config["shop_id"] = "shop.test";
    config["tickets"] = false;
    config["catalogue"]["currency"] = "CHF";
    config["catalogue"]["items"][0]["sku"] = "bread";
    config["catalogue"]["items"][0]["name"] = "Bread";
    config["catalogue"]["items"][0]["price"] = 420;
    std::ofstream(dir.file("shop.json")) << toJson(config);
    ServerProcess shop("SHOP_SERVER", {"--config", dir.file("shop.json"), "--shop-id", "flag.test",
                                       "--exit-with-stdin"});
    auto client = connected(ecUser(shop.port()));
    const HttpResult catalogue = client->request("GET", "/catalogue");
    CHECK(catalogue.json["shop_id"] == "flag.test");
    CHECK(catalogue.json["currency"] == "CHF");
    CHECK(catalogue.json["items"][0]["price"].asUInt64() == 420);
    CHECK(std::filesystem::exists(dir.file("shop.db")));
    CHECK(shop.log().find("tickets off") != std::string::npos);
    CHECK(shop.stop() == 0);
  }

  TEST_CASE("stops on stdin closing with status 0; bad options exit 2 with a message") {
    Shop shop;
    CHECK(shop.process.stop() == 0);
    CHECK(shop.process.log().find("stopping: stdin closed") != std::string::npos);
    std::string output;
    CHECK(runToCompletion("SHOP_SERVER", {"--db", "/tmp/x.db"}, output) == 2);
    CHECK(output.find("missing catalogue") != std::string::npos);
    const auto& pki = hp::tls_proxy::test::testPki();
    TempDir dir;
    std::vector<std::string> rsaSigning = shopArgs(dir.file("s.db"));
    rsaSigning[7] = pki.userRsaKey;  // --signing-key must be EC P-256
    CHECK(runToCompletion("SHOP_SERVER", rsaSigning, output) == 1);
    CHECK(output.find("must be an EC P-256 key") != std::string::npos);
  }

}  // TEST_SUITE

}  // namespace hp::merchant::test

namespace hp::merchant::test {

namespace {

// A PEM certificate file's DER.
Bytes derOfPem(const std::string& path) {
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  REQUIRE(mbedtls_x509_crt_parse_file(&crt, path.c_str()) == 0);
  Bytes der(crt.raw.p, crt.raw.p + crt.raw.len);
  mbedtls_x509_crt_free(&crt);
  return der;
}

}  // namespace

TEST_SUITE("shop") {
  TEST_CASE("a till posts the customer's record with the customer's certificate (payer)") {
    Shop shop;
    // The till has its own certificate (here: the second EC user); the order is the till's.
    auto till = connected(otherEcUser(shop.port()));
    const std::string ref = createOrder(*till);  // 700 EUR
    const std::string pay = "/orders/" + ref + "/pay";
    SoftwarePurse customer(hp::tls_proxy::test::testPki().userEcKey);
    const Bytes record = customer.sign(customer.debit("localhost", ref, "EUR", 700));
    // Without the payer, the record does not verify under the till's own key.
    CHECK(till->post(pay, paymentBody(record)).errorCode() == "bad_signature");
    // A payer the shop's user CA did not issue.
    Json::Value forged = paymentBody(record);
    forged["payer"] = base64(derOfPem(hp::tls_proxy::test::testPki().otherCaCert));
    CHECK(till->post(pay, forged).errorCode() == "bad_payer");
    forged["payer"] = base64(Bytes{1, 2, 3});
    CHECK(till->post(pay, forged).errorCode() == "bad_payer");
    // The payer's certificate from our CA, whose key signed the record: paid, a receipt.
    Json::Value body = paymentBody(record);
    body["payer"] = base64(derOfPem(hp::tls_proxy::test::testPki().userEcCert));
    const HttpResult paid = till->post(pay, body);
    INFO(paid.body);
    REQUIRE(paid.status == 200);
    CHECK(paid.json["status"] == "paid");
    CHECK(checkedReceipt(paid.json["receipt"].asString()).amount == 700);
  }
}

}  // namespace hp::merchant::test
