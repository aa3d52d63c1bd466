// Spec loading, command matching, and rendering of the real spec files.
#include <doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tools/conform/card_spec.hpp"
#include "tools/conform/spec_render.hpp"

using hp::conform::CardSpec;
using hp::conform::loadCardSpec;

namespace {
std::string dir(const char* env) {
  const char* d = std::getenv(env);
  REQUIRE(d != nullptr);
  return d;
}
std::string writeTemp(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / "hp-conform-spec.json";
  std::ofstream(path) << text;
  return path.string();
}
}  // namespace

TEST_CASE("runtime.json loads and its entries match as intended") {
  auto spec = loadCardSpec(dir("HP_APDU_SPECS_DIR") + "/runtime.json");
  REQUIRE(spec.ok());
  const CardSpec& rt = spec.value();
  CHECK(rt.card == "runtime");
  REQUIRE(rt.match(0x00, 0xA4, 0x04, 0x00) != nullptr);
  CHECK(rt.match(0x00, 0xA4, 0x04, 0x00)->name == "SELECT (FCI)");
  CHECK(rt.match(0x00, 0xA4, 0x04, 0x0C)->name == "SELECT (no response data)");
  CHECK(rt.match(0x00, 0xA4, 0x00, 0x00)->name == "SELECT (other P1 or P2)");
  CHECK(rt.match(0x10, 0xA4, 0x04, 0x00)->name == "SELECT (FCI)");  // chaining bit ignored
  CHECK(rt.match(0x00, 0xC0, 0x00, 0x00)->name == "GET RESPONSE");
  CHECK(rt.match(0x00, 0xC0, 0x01, 0x00)->name == "GET RESPONSE (other P1 or P2)");
  // The chaining entry (CLA 10) matches only chained commands.
  CHECK(rt.match(0x10, 0x20, 0x00, 0x81)->name == "Command chaining");
  CHECK(rt.match(0x00, 0x20, 0x00, 0x81)->name == "Any command");
  CHECK(rt.match(0x00, 0x20, 0x00, 0x81)->appliesToEveryCommand());
  const auto* any = rt.match(0x00, 0x20, 0x00, 0x81);
  for (uint16_t sw : {0x6700, 0x6881, 0x6882, 0x6883, 0x6A84, 0x6D00, 0x6E00, 0x6985, 0x6100,
                      0x61FF, 0x6C10, 0x6581}) {
    CAPTURE(sw);
    CHECK(any->documents(sw));
  }
  CHECK_FALSE(any->documents(0x9000));
  CHECK_FALSE(any->documents(0x6A82));
  // Status words keep the file's order (jsoncpp alone would sort them).
  CHECK(rt.match(0x00, 0xA4, 0x04, 0x00)->sw.front().first == "9000");
}

TEST_CASE("the most specific command wins; the first one on a tie") {
  auto spec = loadCardSpec(writeTemp(R"({"card":"c","commands":[
    {"name":"any P2","cla":"00","ins":"20","p1":"00","p2":"xx","sw":{"6A86":"a"}},
    {"name":"exact","cla":"00","ins":"20","p1":"00","p2":"81","sw":{"9000":"b"}},
    {"name":"any P1","cla":"00","ins":"20","p1":"xx","p2":"81","sw":{"6A86":"c"}}]})"));
  REQUIRE(spec.ok());
  CHECK(spec.value().match(0x00, 0x20, 0x00, 0x81)->name == "exact");
  CHECK(spec.value().match(0x00, 0x20, 0x00, 0x82)->name == "any P2");
  CHECK(spec.value().match(0x00, 0x20, 0x01, 0x81)->name == "any P1");
  CHECK(spec.value().match(0x80, 0x20, 0x00, 0x81) == nullptr);
  CHECK(spec.value().match(0x00, 0x20, 0x01, 0x82) == nullptr);
}

TEST_CASE("spec mistakes are refused with a message naming the command") {
  auto check = [](const char* json, const char* wantInMessage) {
    auto s = loadCardSpec(writeTemp(json));
    REQUIRE_FALSE(s.ok());
    CAPTURE(s.error().message);
    CHECK(s.error().message.find(wantInMessage) != std::string::npos);
  };
  check(
      R"({"card":"c","commands":[{"name":"A","cla":"0","ins":"20","p1":"00","p2":"00","sw":{"9000":""}}]})",
      "'cla'");
  check(
      R"({"card":"c","commands":[{"name":"A","cla":"00","ins":"20","p1":"00","p2":"00","sw":{"900":""}}]})",
      "status word '900'");
  check(
      R"({"card":"c","commands":[{"name":"A","cla":"00","ins":"20","p1":"00","p2":"00","sw":{}}]})",
      "'sw'");
  check(
      R"({"card":"c","commands":[{"name":"A","cla":"00","ins":"20","p1":"00","p2":"00","sw":{"9000":""}},
                                   {"name":"A","cla":"00","ins":"21","p1":"00","p2":"00","sw":{"9000":""}}]})",
      "defined twice");
  check(
      R"({"card":"c","commands":[{"name":"A","cla":"00","ins":"20","p1":"00","p2":"00","case":[5],"sw":{"9000":""}}]})",
      "'case'");
  check(R"({"card":"c","aid":"zz","commands":[]})", "'aid'");
  check(R"({"commands":[]})", "'card'");
}

TEST_CASE("rendering names the generator on the first line and every command") {
  auto spec = loadCardSpec(dir("HP_APDU_SPECS_DIR") + "/runtime.json");
  REQUIRE(spec.ok());
  const std::string text = hp::conform::renderSpecs({spec.value()});
  const std::string firstLine = text.substr(0, text.find('\n'));
  CHECK(firstLine.find("GENERATED") != std::string::npos);
  CHECK(firstLine.find(hp::conform::kRenderCommand) != std::string::npos);
  for (const auto& c : spec.value().commands) {
    CAPTURE(c.name);
    CHECK(text.find("### runtime: " + c.name) != std::string::npos);
  }
  CHECK(text.find("| `6A84` |") != std::string::npos);
  CHECK(text.find("`10 xx xx xx`") != std::string::npos);
}
