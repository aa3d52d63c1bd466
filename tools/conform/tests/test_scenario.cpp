// Variable expansion, generators, slices, and scenario loading.
#include <doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tools/conform/scenario.hpp"

using hp::base::Bytes;
using hp::conform::Variables;

namespace {
Bytes hex(const char* text) {
  return *hp::base::fromHex(text);
}

std::string testdata() {
  const char* dir = std::getenv("HP_CONFORM_TESTDATA");
  REQUIRE(dir != nullptr);
  return dir;
}

std::string writeTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}
}  // namespace

TEST_CASE("variables and slices with Python rules") {
  auto rng = hp::base::makeSeededRng(1);
  Variables vars(*rng);
  vars.set("v", hex("00 01 02 03 04 05"));
  CHECK(vars.expandHex("AA ${v} BB").value() == hex("AA 000102030405 BB"));
  CHECK(vars.expandHex("${v[2:4]}").value() == hex("0203"));
  CHECK(vars.expandHex("${v[2:]}").value() == hex("02030405"));
  CHECK(vars.expandHex("${v[:2]}").value() == hex("0001"));
  CHECK(vars.expandHex("${v[-2:]}").value() == hex("0405"));
  CHECK(vars.expandHex("${v[1:-1]}").value() == hex("01020304"));
  CHECK(vars.expandHex("${len:v} ${v}").value() == hex("06 000102030405"));
  CHECK_FALSE(vars.expandHex("${len:nothing}").ok());
  vars.set("long", Bytes(256, 1));
  CHECK_FALSE(vars.expandHex("${len:long}").ok());
  CHECK(vars.expandHex("${v[4:2]}").value().empty());
  CHECK(vars.expandHex("${v[0:100]}").value() == hex("000102030405"));
  CHECK(vars.expandHex("${v[-100:1]}").value() == hex("00"));
  CHECK_FALSE(vars.expandHex("${w}").ok());
  CHECK_FALSE(vars.expandHex("${v[1]}").ok());
  CHECK_FALSE(vars.expandHex("${v[a:b]}").ok());
  CHECK_FALSE(vars.expandHex("${v").ok());
  CHECK_FALSE(vars.expandHex("${v} 0").ok());  // odd digit count after substitution
  // substitute keeps pattern syntax for expect_data.
  CHECK(vars.substitute("${v[0:1]} xx ...").value() == "00 xx ...");
}

TEST_CASE("generators draw from the seeded generator and can be kept") {
  auto rngA = hp::base::makeSeededRng(7);
  auto rngB = hp::base::makeSeededRng(7);
  Variables a(*rngA), b(*rngB);
  const Bytes r1 = a.expandHex("${random:16>h}").value();
  CHECK(r1.size() == 16);
  CHECK(*a.find("h") == r1);
  CHECK(b.expandHex("${random:16}").value() == r1);  // same seed, same bytes
  const Bytes d = a.expandHex("${digits:8>pin}").value();
  REQUIRE(d.size() == 8);
  for (uint8_t c : d) CHECK((c >= '0' && c <= '9'));
  CHECK(*a.find("pin") == d);
  CHECK(a.expandHex("${random:0}").value().empty());
  CHECK_FALSE(a.expandHex("${random:x}").ok());
  CHECK_FALSE(a.expandHex("${random:-1}").ok());
  CHECK_FALSE(a.expandHex("${random:4>}").ok());
}

TEST_CASE("the testcard scenarios load, in file-name order") {
  auto files = hp::conform::listScenarioFiles(testdata(), "testcard");
  REQUIRE(files.ok());
  REQUIRE(files.value().size() >= 2);
  CHECK(std::filesystem::path(files.value()[0]).filename() == "01-framing.json");
  auto s = hp::conform::loadScenario(files.value()[1]);
  REQUIRE(s.ok());
  CHECK(s.value().card == "testcard");
  // vars keep the order of the file (jsoncpp itself sorts them).
  REQUIRE(s.value().vars.size() == 3);
  CHECK(s.value().vars[0].first == "pin");
  CHECK(s.value().vars[1].first == "wrong");
  CHECK(s.value().vars[2].first == "h2");
  CHECK_FALSE(hp::conform::listScenarioFiles(testdata(), "nosuchcard").ok());
}

TEST_CASE("scenario mistakes are refused with a message") {
  auto check = [](const char* json, const char* wantInMessage) {
    auto s = hp::conform::loadScenario(writeTemp("hp-conform-bad.json", json));
    REQUIRE_FALSE(s.ok());
    CAPTURE(s.error().message);
    CHECK(s.error().message.find(wantInMessage) != std::string::npos);
  };
  check(R"({"card":"x","steps":[{"send":"00","expect_SW":"9000"}]})", "unknown step field");
  check(R"({"card":"x","steps":[{"send":"00","reset":true}]})", "exactly one of");
  check(R"({"card":"x","steps":[{"note":"nothing"}]})", "exactly one of");
  check(R"({"card":"x","steps":[]})", "non-empty");
  check(R"({"steps":[{"reset":true}]})", "'card'");
  check(R"({"card":"x","steps":[{"reset":true,"expect_sw":"9000"}]})", "only apply");
  check(R"({"card":"x","steps":[{"verify_rsa":{"modulus":"00"}}]})", "lacks");
  check(R"({"card":"x","steps":[{"sign_purse":{"key":"01","label":"l"}}]})", "lacks 'body'");
  check(R"({"card":"x","steps":[{"sign_purse":{"key":"01","label":"l","body":"00"}}]})",
        "needs 'save'");
  check(R"({"card":"x","steps":[{"verify_purse":{"point":"04","label":"l","signed":"00"},)"
        R"("save":"v"}]})",
        "only apply");
  check(R"({"card":"x","steps":[{"server_hello":{"key":"01","share":"04"}}]})",
        "server_hello lacks");
  check(R"({"card":"x","steps":[{"server_hello":{"key":"01","share":"04","transcript_hash":"00",)"
        R"("ks_hash":"00","ticket_id":"00","lifetime":"00","extra":"00"},"save":"h"}]})",
        "unknown server_hello field 'extra'");
  check(R"({"card":"x","steps":[{"server_hello":{"key":"01","share":"04","transcript_hash":"00",)"
        R"("ks_hash":"00","ticket_id":"00","lifetime":"00"}}]})",
        "server_hello needs 'save'");
  check(R"({"card":"x","card":"y","steps":[{"reset":true}]})", "invalid JSON");
  check(R"({"card":"x","steps":[{"reset":true}]} extra)", "invalid JSON");
  CHECK_FALSE(hp::conform::loadScenario("/nonexistent/file.json").ok());
}

TEST_CASE("sign_purse and verify_purse steps load") {
  auto s = hp::conform::loadScenario(writeTemp(
      "hp-conform-purse.json",
      R"({"card":"x","steps":[{"sign_purse":{"key":"${k}","label":"homeproxy purse v1 voucher",)"
      R"("body":"01 02"},"save":"voucher"},{"verify_purse":{"point":"${p}","label":"l",)"
      R"("signed":"${voucher}"}}]})"));
  REQUIRE(s.ok());
  REQUIRE(s.value().steps.size() == 2);
  CHECK(s.value().steps[0].kind == hp::conform::Step::Kind::kSignPurse);
  CHECK(s.value().steps[0].save == "voucher");
  CHECK(s.value().steps[0].verify.at("label") == "homeproxy purse v1 voucher");
  CHECK(s.value().steps[1].kind == hp::conform::Step::Kind::kVerifyPurse);
  CHECK(s.value().steps[1].verify.at("signed") == "${voucher}");
}

TEST_CASE("server_hello steps load") {
  auto s = hp::conform::loadScenario(writeTemp(
      "hp-conform-hello.json",
      R"({"card":"x","steps":[{"server_hello":{"key":"${k}","share":"${share[2:67]}",)"
      R"("transcript_hash":"${th}","ks_hash":"${ks}","ticket_id":"${id}","lifetime":"00"},)"
      R"("save":"hello"}]})"));
  REQUIRE(s.ok());
  REQUIRE(s.value().steps.size() == 1);
  CHECK(s.value().steps[0].kind == hp::conform::Step::Kind::kServerHello);
  CHECK(s.value().steps[0].save == "hello");
  CHECK(s.value().steps[0].verify.at("share") == "${share[2:67]}");
  CHECK(s.value().steps[0].verify.size() == 6);
}
