// The RPC contract's table (protocol/rpc/method_table.cpp) against docs/rpc.md: the docs list
// exactly the methods, params, results and callers the code declares, or this fails and prints
// the table to paste.
#include <doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "protocol/rpc/method_table.hpp"

namespace {

constexpr const char* kBegin = "<!-- rpc-method-table:begin (generated from protocol/rpc) -->\n";
constexpr const char* kEnd = "<!-- rpc-method-table:end -->";

std::string readFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

TEST_SUITE("rpc") {
  TEST_CASE("docs/rpc.md lists exactly the methods of the contract") {
    const std::string docs = readFile(std::string(HP_DOCS_DIR) + "/rpc.md");
    REQUIRE_FALSE(docs.empty());
    const size_t begin = docs.find(kBegin);
    const size_t end = docs.find(kEnd);
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    REQUIRE(begin < end);
    const std::string listed =
        docs.substr(begin + std::string(kBegin).size(), end - begin - std::string(kBegin).size());
    const std::string expected = hp::protocol::rpc::methodTableMarkdown();
    INFO("docs/rpc.md's table should read:\n" << expected);
    CHECK(listed == expected);
  }

  TEST_CASE("the method table names each method once, with a valid name in its family") {
    std::set<std::string_view> names;
    for (const auto& method : hp::protocol::rpc::methodTable()) {
      INFO(method.name);
      CHECK(names.insert(method.name).second);
      CHECK(hp::protocol::rpc::isValidMethodName(method.name));
      // "family.verb", or a bare admin verb ("pin1", "status").
      const size_t dot = method.name.find('.');
      if (dot != std::string_view::npos) CHECK(method.name.substr(0, dot) == method.family);
    }
    CHECK(names.size() == 24);
  }

  TEST_CASE("the other docs point at docs/rpc.md instead of keeping their own method lists") {
    for (const char* name : {"control-channel.md", "emoney.md"}) {
      INFO(std::string(name));
      const std::string docs = readFile(std::string(HP_DOCS_DIR) + "/" + name);
      REQUIRE_FALSE(docs.empty());
      CHECK(docs.find("rpc.md") != std::string::npos);
      CHECK(docs.find("rpc-method-table") == std::string::npos);
    }
  }
}
