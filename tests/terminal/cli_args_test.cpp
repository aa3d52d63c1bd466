#include <doctest.h>

#include "host/terminal/cli_args.hpp"

using hp::terminal::Command;
using hp::terminal::parseCliArgs;

TEST_CASE("cli: each command with its options") {
  auto get = parseCliArgs({"get", "https://shop.example/", "--relay", "--reader", "R 00"});
  REQUIRE(get.ok());
  CHECK(get->command == Command::kGet);
  CHECK(get->url == "https://shop.example/");
  CHECK(get->relay);
  CHECK(get->reader == "R 00");
  CHECK(get->urls == std::vector<std::string>{"https://shop.example/"});

  auto several = parseCliArgs({"get", "https://a/", "https://b:8443/x", "-v"});
  REQUIRE(several.ok());
  CHECK(several->url == "https://a/");
  CHECK(several->urls == std::vector<std::string>{"https://a/", "https://b:8443/x"});

  auto post = parseCliArgs({"--verbose", "post", "https://s/", "--data", "@body.txt"});
  REQUIRE(post.ok());
  CHECK(post->command == Command::kPost);
  CHECK(post->verbose);
  REQUIRE(post->data.has_value());
  CHECK(*post->data == "@body.txt");

  auto unlock = parseCliArgs({"unlock", "--pin-stdin"});
  REQUIRE(unlock.ok());
  CHECK(unlock->command == Command::kUnlock);
  CHECK(unlock->pinStdin);

  auto bio = parseCliArgs({"unlock", "--bio", "sample.hex"});
  REQUIRE(bio.ok());
  CHECK(bio->bioFile == "sample.hex");

  CHECK(parseCliArgs({"pin2", "--pin-stdin"})->command == Command::kPin2);
  CHECK(parseCliArgs({"sessions"})->command == Command::kSessions);
  CHECK(parseCliArgs({"finish"})->command == Command::kFinish);
  CHECK(parseCliArgs({"status"})->command == Command::kStatus);
  CHECK(parseCliArgs({"lock"})->command == Command::kLock);
  CHECK(parseCliArgs({"--help"})->command == Command::kHelp);
}

TEST_CASE("cli: the purse commands and their operands") {
  auto buy = parseCliArgs({"buy", "https://localhost:8443/", "tea-green"});
  REQUIRE(buy.ok());
  CHECK(buy->command == Command::kBuy);
  CHECK(buy->url == "https://localhost:8443/");
  CHECK(buy->sku == "tea-green");
  CHECK(buy->quantity == 1);
  CHECK(parseCliArgs({"buy", "https://s/", "tea", "12"})->quantity == 12);
  // The terminal's limit is the shop's (1..1000).
  CHECK(parseCliArgs({"buy", "https://s/", "tea", "1000"})->quantity == 1000);
  auto refund = parseCliArgs({"refund", "https://s/", "ord-7"});
  REQUIRE(refund.ok());
  CHECK(refund->command == Command::kRefund);
  CHECK(refund->orderRef == "ord-7");
  CHECK(buy->repeat == 1);
  CHECK_FALSE(buy->relay);

  // Several payments over one channel, delegated or relayed (the e-money benchmark).
  auto repeated = parseCliArgs({"buy", "https://s/", "tea", "2", "--repeat", "250", "--relay"});
  REQUIRE(repeated.ok());
  CHECK(repeated->quantity == 2);
  CHECK(repeated->repeat == 250);
  CHECK(repeated->relay);
  CHECK(parseCliArgs({"buy", "--repeat", "10000", "https://s/", "tea"})->repeat == 10000);

  auto topup = parseCliArgs({"topup", "https://bank:9443", "alice", "20.5"});
  REQUIRE(topup.ok());
  CHECK(topup->command == Command::kTopup);
  CHECK(topup->url == "https://bank:9443");
  CHECK(topup->account == "alice");
  CHECK(topup->amount == 2050);

  auto cancel = parseCliArgs({"cancel", "https://s/", "ord-7"});
  REQUIRE(cancel.ok());
  CHECK(cancel->command == Command::kCancel);
  CHECK(cancel->orderRef == "ord-7");
  auto pay = parseCliArgs({"pay", "https://s/", "ord-8", "--relay"});
  REQUIRE(pay.ok());
  CHECK(pay->command == Command::kPay);
  CHECK(pay->url == "https://s/");
  CHECK(pay->orderRef == "ord-8");
  CHECK(pay->relay);
  CHECK(parseCliArgs({"balance"})->command == Command::kBalance);
  CHECK(parseCliArgs({"history"})->command == Command::kHistory);
}

TEST_CASE("cli: options that do not fit the command are refused with a message") {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const Case cases[] = {
      {{}, "no command"},
      {{"fetch"}, "unknown command"},
      {{"get"}, "needs a URL"},
      {{"post", "https://a/", "https://b/", "--data", "x"}, "unexpected argument"},
      {{"sessions", "https://a/"}, "unexpected argument"},
      {{"post", "https://a/"}, "post needs --data"},
      {{"get", "https://a/", "--data", "x"}, "--data goes only with post"},
      {{"post", "https://a/", "--data", "x", "--data", "y"}, "--data given twice"},
      {{"sessions", "--relay"}, "--relay goes only"},
      {{"get", "https://a/", "--bio", "f"}, "--bio goes only"},
      {{"status", "--pin-stdin"}, "--pin-stdin goes only"},
      {{"unlock", "--bio", "f", "--pin-stdin"}, "exclude each other"},
      {{"unlock", "--reader"}, "--reader needs a value"},
      {{"unlock", "--frobnicate"}, "unknown option"},
      {{"buy", "https://shop/"}, "buy needs URL SKU [QTY]"},
      {{"buy", "https://shop/", "tea", "0"}, "quantity"},
      {{"buy", "https://shop/", "tea", "-2"},
       "quantity \"-2\" must be a whole number from 1 to 1000"},
      {{"buy", "https://shop/", "tea", "1001"}, "from 1 to 1000"},
      {{"topup", "https://bank/", "alice", "-5.00"}, "amount \"-5.00\""},
      {{"refund", "https://shop/"}, "refund needs URL ORDER_REF"},
      {{"buy", "https://shop/", "tea", "x1"}, "quantity"},
      {{"buy", "https://shop/", "tea", "1", "2"}, "unexpected argument"},
      {{"topup", "https://bank/", "alice"}, "topup needs BANK_URL ACCOUNT AMOUNT"},
      {{"topup", "https://bank/", "alice", "12.345"}, "at most two decimals"},
      {{"topup", "https://bank/", "alice", "0"}, "more than 0"},
      {{"cancel", "https://shop/"}, "cancel needs URL ORDER_REF"},
      {{"pay", "https://shop/"}, "pay needs URL ORDER_REF"},
      {{"pay", "https://shop/", "ord-7", "extra"}, "unexpected argument"},
      {{"balance", "extra"}, "unexpected argument"},
      {{"history", "--relay"}, "--relay goes only"},
      {{"cancel", "https://shop/", "ord-7", "--relay"}, "--relay goes only"},
      {{"buy", "https://shop/", "tea", "--repeat"}, "--repeat needs a value"},
      {{"buy", "https://shop/", "tea", "--repeat", "0"}, "from 1 to 10000"},
      {{"buy", "https://shop/", "tea", "--repeat", "10001"}, "from 1 to 10000"},
      {{"buy", "https://shop/", "tea", "--repeat", "99999999999"}, "from 1 to 10000"},
      {{"buy", "https://shop/", "tea", "--repeat", "-3"}, "from 1 to 10000"},
      {{"buy", "https://shop/", "tea", "--repeat", "2x"}, "from 1 to 10000"},
      {{"get", "https://a/", "--repeat", "2"}, "--repeat goes only with buy"},
  };
  for (const auto& c : cases) {
    auto parsed = parseCliArgs(c.args);
    INFO(c.message);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message.find(c.message) != std::string::npos);
  }
}

TEST_CASE("cli: the appliance commands (issue 14)") {
  auto list = parseCliArgs({"appliances"});
  REQUIRE(list.ok());
  CHECK(list->command == hp::terminal::Command::kAppliances);
  auto show = parseCliArgs({"appliance", "lamp"});
  REQUIRE(show.ok());
  CHECK(show->command == hp::terminal::Command::kAppliance);
  CHECK(show->appliance == "lamp");
  CHECK(show->applianceValue.empty());
  auto set = parseCliArgs({"appliance", "thermostat", "21.5"});
  REQUIRE(set.ok());
  CHECK(set->appliance == "thermostat");
  CHECK(set->applianceValue == "21.5");
  auto negative = parseCliArgs({"appliance", "freezer", "-18"});
  REQUIRE(negative.ok());
  CHECK(negative->applianceValue == "-18");
  CHECK_FALSE(parseCliArgs({"appliance"}).ok());
  CHECK_FALSE(parseCliArgs({"appliance", "lamp", "on", "extra"}).ok());
  CHECK_FALSE(parseCliArgs({"appliances", "lamp"}).ok());
  CHECK_FALSE(parseCliArgs({"appliance", "lamp", "on", "--relay"}).ok());
}
