// The till's command line (tools/till/till_args.hpp) and `terminal revoke ID`: the rules, without
// a card.
#include <doctest.h>

#include "host/terminal/cli_args.hpp"
#include "tools/till/till_args.hpp"

using hp::till::parseTillArgs;

TEST_CASE("till: the basket, the shop and the till's own certificate") {
  auto options = parseTillArgs({"--shop", "https://localhost:4443/", "--cert", "t.pem", "--key",
                                "t.key", "--ca", "ca.pem", "--pin-stdin", "tea", "cake:2"});
  REQUIRE(options.ok());
  CHECK(options->shop == "https://localhost:4443/");
  CHECK(options->certFile == "t.pem");
  CHECK(options->keyFile == "t.key");
  CHECK(options->caFile == "ca.pem");
  CHECK(options->pinStdin);
  REQUIRE(options->basket.size() == 2);
  CHECK(options->basket[0].sku == "tea");
  CHECK(options->basket[0].quantity == 1);
  CHECK(options->basket[1].sku == "cake");
  CHECK(options->basket[1].quantity == 2);
  const std::vector<std::string> base{"--shop", "https://s/", "--cert", "c",
                                      "--key",  "k",          "--ca",   "a"};
  auto with = [&base](std::vector<std::string> more) {
    std::vector<std::string> args = base;
    args.insert(args.end(), more.begin(), more.end());
    return parseTillArgs(args);
  };
  CHECK_FALSE(with({}).ok());  // an empty basket
  CHECK_FALSE(with({"tea:0"}).ok());
  CHECK_FALSE(with({"tea:1001"}).ok());
  CHECK_FALSE(with({"tea:x"}).ok());
  CHECK_FALSE(with({":2"}).ok());
  CHECK_FALSE(with({"--bogus", "tea"}).ok());
  CHECK_FALSE(parseTillArgs({"--shop", "https://s/", "tea"}).ok());  // no certificate
  CHECK_FALSE(parseTillArgs({"--cert", "c", "--key", "k", "--ca", "a", "tea"}).ok());  // no shop
  CHECK(parseTillArgs({"--help"})->help);
  // --settle REF replaces the basket; a reference that would leave /orders/REF is refused.
  auto settle = with({"--settle", "o-17"});
  REQUIRE(settle.ok());
  CHECK(settle->settleRef == "o-17");
  CHECK(settle->basket.empty());
  CHECK_FALSE(with({"--settle", "o-17", "tea"}).ok());
  CHECK_FALSE(with({"--settle", "../admin"}).ok());
  CHECK_FALSE(with({"--settle"}).ok());
}

TEST_CASE("cli: terminal revoke ID") {
  auto revoke = hp::terminal::parseCliArgs({"revoke", "till-3"});
  REQUIRE(revoke.ok());
  CHECK(revoke->command == hp::terminal::Command::kRevoke);
  CHECK(revoke->terminalId == "till-3");
  CHECK(revoke->url.empty());
  CHECK_FALSE(hp::terminal::parseCliArgs({"revoke"}).ok());
  CHECK_FALSE(hp::terminal::parseCliArgs({"revoke", "a", "b"}).ok());
}
