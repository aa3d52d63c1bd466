// In-process: the --config file loop the shop and the bank share (server_options.hpp).
#include <doctest.h>

#include <fstream>

#include "tests/support/temp_dir.hpp"
#include "tools/merchant/server_options.hpp"

namespace hp::merchant::test {
namespace {

// The test's directory (removed at its end), with config files written into it.
struct ConfigDir : hp::test::TempDir {
  std::string write(const std::string& name, const std::string& json) const {
    std::ofstream(file(name)) << json;
    return file(name);
  }
};

}  // namespace

TEST_SUITE("merchant") {
  TEST_CASE("config files: common keys, then the server's own, in order; flags left alone") {
    ConfigDir dir;
    const std::string first =
        dir.write("a.json", R"({"db": "first.db", "listen": "127.0.0.1:4431", "shop_id": "a"})");
    const std::string second = dir.write("b.json", R"({"db": "/abs/second.db", "shop_id": "b"})");
    ServerOptions options;
    std::string shopId = "default";
    std::vector<std::string> seenBaseDirs;
    auto applied =
        applyConfigFiles({"--db", "flag.db", "--config", first, "--config", second}, options,
                         [&](const Json::Value& file, const std::string& baseDir) {
                           seenBaseDirs.push_back(baseDir);
                           return readStringKey(file, "shop_id", shopId);
                         });
    REQUIRE_MESSAGE(applied.ok(), (applied.ok() ? "" : applied.error().message));
    CHECK(shopId == "b");                       // the later file wins
    CHECK(options.dbPath == "/abs/second.db");  // absolute paths stay as they are
    CHECK(options.tls.port == 4431);            // a key only the first file has stays
    CHECK(seenBaseDirs == std::vector<std::string>{dir.path(), dir.path()});
  }

  TEST_CASE("config files: relative paths from the file's folder; no --config, nothing read") {
    ConfigDir dir;
    const std::string file = dir.write("c.json", R"({"db": "shop.db"})");
    ServerOptions options;
    int calls = 0;
    auto countCalls = [&](const Json::Value&, const std::string&) {
      ++calls;
      return Result<void>();
    };
    REQUIRE(applyConfigFiles({"--config", file}, options, countCalls).ok());
    CHECK(options.dbPath == dir.file("shop.db"));
    CHECK(calls == 1);
    ServerOptions untouched;
    REQUIRE(applyConfigFiles({"--db", "x.db", "--config"}, untouched, countCalls).ok());
    CHECK(untouched.dbPath.empty());
    CHECK(calls == 1);
  }

  TEST_CASE("config files: a bad own key, a bad common key or a missing file is an error") {
    ConfigDir dir;
    ServerOptions options;
    std::string bankId = "bank";
    auto ownKeys = [&](const Json::Value& file, const std::string&) {
      return readStringKey(file, "bank_id", bankId);
    };
    auto notString =
        applyConfigFiles({"--config", dir.write("d.json", R"({"bank_id": 7})")}, options, ownKeys);
    REQUIRE_FALSE(notString.ok());
    CHECK(notString.error().message == "config: bank_id must be a string");
    CHECK(bankId == "bank");

    bool ownCalled = false;
    auto badListen = applyConfigFiles({"--config", dir.write("e.json", R"({"listen": 443})")},
                                      options, [&](const Json::Value&, const std::string&) {
                                        ownCalled = true;
                                        return Result<void>();
                                      });
    REQUIRE_FALSE(badListen.ok());
    CHECK(badListen.error().message.find("listen") != std::string::npos);
    CHECK_FALSE(ownCalled);

    auto missing = applyConfigFiles({"--config", dir.file("none.json")}, options, ownKeys);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("none.json") != std::string::npos);
  }
}

}  // namespace hp::merchant::test
