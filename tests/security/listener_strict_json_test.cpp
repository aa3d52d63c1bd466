// Issue 9 (5): loose JSON where money and quantities are meant. The shop took quantity 1e3 and
// 1000.0, the bank amount 1e2, purse.pay amount 1e2; the shop and bank took comments, and
// answered 10,000-deep JSON with a 500. Integers only, no comments, too deep is a 400.
#include <doctest.h>

#include "protocol/rpc/methods.hpp"
#include "tests/home_server/test_terminal.hpp"
#include "tests/merchant/merchant_fixture.hpp"
#include "tests/merchant/server_process.hpp"
#include "tests/merchant/test_client.hpp"
#include "tests/tls_proxy/test_pki.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::security::test {

namespace {

using merchant::test::HttpResult;

std::vector<std::string> merchantArgs(const std::string& db, bool bank) {
  const auto& pki = tls_proxy::test::testPki();
  const auto& files = merchant::test::merchantFiles();
  if (bank) {
    return {
        "--cert",           pki.shopCert,         "--key", pki.shopKey, "--ca",      pki.caCert,
        "--signing-key",    files.bankSigningKey, "--db",  db,          "--bank-id", "bank.test",
        "--exit-with-stdin"};
  }
  return {
      "--cert",           pki.shopCert,         "--key",       pki.shopKey,     "--ca", pki.caCert,
      "--signing-key",    files.shopSigningKey, "--catalogue", files.catalogue, "--db", db,
      "--exit-with-stdin"};
}

std::string deepJson(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

}  // namespace

TEST_SUITE("listener_json") {
  TEST_CASE("the shop takes integer quantities only, no comments, and answers deep JSON 400") {
    merchant::test::TempDir dir;
    merchant::test::ServerProcess shop("SHOP_SERVER", merchantArgs(dir.file("shop.db"), false));
    auto client = merchant::test::connected(merchant::test::ecUser(shop.port()));
    const auto expect400 = [&](const std::string& body) {
      const HttpResult answer = client->request("POST", "/orders", body);
      INFO("body: " << body.substr(0, 80) << " answer: " << answer.status << " " << answer.body);
      CHECK(answer.status == 400);
      CHECK(answer.errorCode() == "bad_request");
      // A 400 closes the connection: a fresh one for the next case.
      client = merchant::test::connected(merchant::test::ecUser(shop.port()));
    };
    expect400(R"({"sku":"tea","quantity":1e3})");
    expect400(R"({"sku":"tea","quantity":1000.0})");
    expect400(R"({"sku":"tea","quantity":2E0})");
    expect400(R"({"sku":"tea", /* two */ "quantity":2})");
    expect400("{\"sku\":\"tea\", // two\n \"quantity\":2}");
    expect400(R"({"sku":"tea","quantity":2,"quantity":3})");
    expect400(deepJson(10'000));
    expect400("{\"a\":" + deepJson(40) + "}");
    // The honest form still works.
    const HttpResult created = client->request("POST", "/orders", R"({"sku":"tea","quantity":2})");
    INFO(created.body);
    CHECK(created.status == 201);
    CHECK(shop.stop() == 0);
  }

  TEST_CASE("the bank takes integer amounts only") {
    merchant::test::TempDir dir;
    merchant::test::ServerProcess bank("BANK_SERVER", merchantArgs(dir.file("bank.db"), true));
    auto client = merchant::test::connected(merchant::test::ecUser(bank.port()));
    for (const char* amount : {"1e2", "100.0", "1E+2"}) {
      const std::string body = std::string(R"({"request_id":"r1","account":"alice",)") +
                               R"("purse_id":"1111111111111111","credit_seq":1,)" +
                               R"("currency":"EUR","amount":)" + amount + "}";
      const HttpResult answer = client->request("POST", "/topups", body);
      INFO("amount " << amount << ": " << answer.status << " " << answer.body);
      CHECK(answer.status == 400);
      CHECK(answer.errorCode() == "bad_request");
      CHECK(answer.body.find("amount") != std::string::npos);
      client = merchant::test::connected(merchant::test::ecUser(bank.port()));
    }
    const HttpResult deep = client->request("POST", "/topups", deepJson(10'000));
    CHECK(deep.status == 400);
    CHECK(bank.stop() == 0);
  }

  TEST_CASE("purse.pay takes an integer amount only; comments and deep JSON are parse errors") {
    home_server::test::ServerFixture fx;
    home_server::test::TestTerminal terminal("laptop-1", 901);
    REQUIRE(fx.terminals.registerTerminal(terminal.id(), terminal.publicKey()).ok());
    auto connection = terminal.connect(fx.port(), fx.serverPublicKey());
    REQUIRE(connection.ok());
    // PIN2 authority first: purse.pay checks it before its params (docs/control-channel.md).
    REQUIRE(fx.card->verifyPin1(home_server::test::ServerFixture::kPin1)->kind ==
            home_server::PinOutcome::Kind::kAccepted);
    const Json::Value pin2 = wire::PinParams{home_server::test::ServerFixture::kPin2}.toJson();
    REQUIRE(home_server::test::call(**connection, wire::nameOf<wire::CardPin2>(), pin2).ok());
    for (const char* amount : {"1e2", "100.0"}) {
      const std::string text =
          std::string(
              R"({"v":1,"id":7,"method":"purse.pay","params":{"url":"https://localhost/",)") +
          R"("order_ref":"o-1","currency":"EUR","shop_id":"localhost","amount":)" + amount + "}}";
      const protocol::rpc::Response answer = home_server::test::callRaw(**connection, text);
      REQUIRE(answer.error.has_value());
      INFO("amount " << amount << ": " << answer.error->code << ": " << answer.error->message);
      CHECK(answer.error->code == protocol::rpc::code::kInvalidParams);
      CHECK(answer.error->message.find("amount") != std::string::npos);
    }
    const protocol::rpc::Response commented = home_server::test::callRaw(
        **connection, R"({"v":1,"id":8,/* x */"method":"card.status","params":{}})");
    REQUIRE(commented.error.has_value());
    CHECK(commented.error->code == protocol::rpc::code::kParseError);
    const protocol::rpc::Response deep = home_server::test::callRaw(**connection, deepJson(10'000));
    REQUIRE(deep.error.has_value());
    CHECK(deep.error->code == protocol::rpc::code::kParseError);
  }
}

}  // namespace hp::security::test
