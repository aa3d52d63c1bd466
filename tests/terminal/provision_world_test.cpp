// The configs hp_provision writes are read by the real parsers of the programs that use them
// (home server, shop_server, bank_server), so a provisioned world runs the whole e-money story
// without editing a file; and README.txt gives the commands that go with them.
#include <doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "host/home_server/daemon/config.hpp"
#include "tests/support/temp_dir.hpp"
#include "tools/bank_server/bank_config.hpp"
#include "tools/provision/output_files.hpp"
#include "tools/provision/server_configs.hpp"
#include "tools/shop_server/shop_config.hpp"

using namespace hp::provision;

namespace {

WorldDescription worldIn(const std::string& dir) {
  WorldDescription world;
  world.outDir = dir;
  world.shopHost = "localhost";
  world.homeListenAddress = "127.0.0.1";
  world.homeListenPort = 7443;
  world.terminalId = "terminal-1";
  world.purseId = "0011223344556677";
  return world;
}

// A temporary world folder holding the given texts; removed when the test ends.
struct WorldFolder {
  hp::test::TempDir temp;
  std::string dir = temp.path();
  std::string put(const std::string& name, const std::string& text) const {
    std::ofstream(temp.file(name)) << text;
    return temp.file(name);
  }
};

}  // namespace

TEST_CASE("provision world: home_server.json has a working purse and notices section") {
  WorldDescription world = worldIn("/srv/world");
  world.reconcileSeconds = 5;
  world.smtpUrl = "smtp://127.0.0.1:4025";
  world.mailTo = "alice@home.test";
  auto config = hp::home_server::parseHomeServerConfig(homeServerJson(world));
  REQUIRE_MESSAGE(config.ok(), config.error().message);
  CHECK(config->listenPort == 7443);
  CHECK(config->purse.pendingVouchersDb == "/srv/world/pending_vouchers.db");
  CHECK(config->purse.reconcileSeconds == 5);
  CHECK(config->notices.enabled);
  CHECK(config->notices.smtpUrl == "smtp://127.0.0.1:4025");
  CHECK(config->notices.from == "homeproxy@localhost");
  CHECK(config->notices.to == "alice@home.test");
  CHECK(config->notices.outboxPath == "/srv/world/notices.db");
  CHECK(config->notices.periodSeconds == 60);
}

TEST_CASE("provision world: the defaults are the documented ones") {
  const WorldDescription world = worldIn("/srv/world");
  auto config = hp::home_server::parseHomeServerConfig(homeServerJson(world));
  REQUIRE(config.ok());
  CHECK(config->purse.reconcileSeconds == 60);
  CHECK(config->notices.smtpUrl == "smtp://127.0.0.1:2525");
  CHECK(config->notices.to == "user@localhost");
  CHECK(bankUrl(world) == "https://localhost:9443");
  CHECK(shopUrl(world) == "https://localhost:4443");
}

TEST_CASE("provision world: shop_server reads shop.json with files from the world folder") {
  WorldFolder folder;
  WorldDescription world = worldIn(folder.dir);
  world.shopListen = "127.0.0.1:0";
  world.currency = "CHF";
  const std::string path = folder.put("shop.json", shopServerJson(world));
  auto config = hp::shop_server::parseShopArguments({"--config", path});
  REQUIRE_MESSAGE(config.ok(), config.error().message);
  CHECK(config->server.tls.address == "127.0.0.1");
  CHECK(config->server.tls.port == 0);
  CHECK(config->server.tls.certFile == folder.dir + "/shop.pem");
  CHECK(config->server.tls.keyFile == folder.dir + "/shop.key");
  CHECK(config->server.tls.caFile == folder.dir + "/ca.pem");
  CHECK(config->server.signingKeyFile == folder.dir + "/shop-sign.key");
  CHECK(config->server.dbPath == folder.dir + "/shop.db");
  CHECK(config->shopId == "localhost");        // the ID registry 02 holds the shop's key under
  CHECK(config->catalogue.currency == "CHF");  // the purse's currency
  REQUIRE(config->catalogue.find("tea") != nullptr);
  CHECK(config->catalogue.find("tea")->price == 350);
  REQUIRE(config->catalogue.find("cake") != nullptr);
  CHECK(config->catalogue.find("cake")->price == 1275);
  CHECK(shopUrl(world) == "https://localhost:PORT");
}

TEST_CASE("provision world: bank_server reads bank.json, and opens the account README.txt names") {
  WorldFolder folder;
  WorldDescription world = worldIn(folder.dir);
  world.bankId = "hausbank";
  world.bankListen = "127.0.0.1:9555";
  world.bankAccount = "bob";
  world.bankOpeningBalance = 12345;
  const std::string path = folder.put("bank.json", bankServerJson(world));
  auto config = hp::bank_server::parseBankArguments({"--config", path});
  REQUIRE_MESSAGE(config.ok(), config.error().message);
  CHECK(config->bankId == "hausbank");  // the ID registry 03 holds the bank's key under
  CHECK(config->server.tls.port == 9555);
  CHECK(config->server.tls.certFile == folder.dir + "/bank.pem");
  CHECK(config->server.signingKeyFile == folder.dir + "/bank-sign.key");
  CHECK(config->server.dbPath == folder.dir + "/bank.db");
  CHECK(bankUrl(world) == "https://localhost:9555");

  // README.txt's command, word by word, is what bank_server takes to open the account.
  const std::string readme = readmeText(world);
  const std::string command = "bank_server --config " + path + " --open-account bob \\\n" +
                              "      --owner-cert " + folder.dir +
                              "/user.pem --balance 12345 --currency EUR";
  CHECK(readme.find(command) != std::string::npos);
  auto open = hp::bank_server::parseBankArguments({"--config", path, "--open-account", "bob",
                                                   "--owner-cert", folder.dir + "/user.pem",
                                                   "--balance", "12345", "--currency", "EUR"});
  REQUIRE_MESSAGE(open.ok(), open.error().message);
  REQUIRE(open->openAccount.has_value());
  CHECK(open->openAccount->id == "bob");
  CHECK(open->openAccount->balance == 12345);
  CHECK(open->server.dbPath == folder.dir + "/bank.db");
}

TEST_CASE("provision world: README.txt says how to run the e-money servers and the terminal") {
  const WorldDescription world = worldIn("/srv/world");
  const std::string readme = readmeText(world);
  for (const char* part :
       {"shop.json", "bank.json", "shop_server --config /srv/world/shop.json",
        "bank_server --config /srv/world/bank.json\n",
        "terminal topup https://localhost:9443 alice", "terminal buy https://localhost:4443/ tea",
        "terminal cancel https://localhost:4443/", "user@localhost", "-l 127.0.0.1:2525",
        "pending_vouchers.db", "notices.db"}) {
    CAPTURE(part);
    CHECK(readme.find(part) != std::string::npos);
  }
}
