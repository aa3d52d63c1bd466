#include <doctest.h>

#include <sstream>

#include "host/terminal/layout.hpp"

using hp::card_adapters::TerminalProfile;
using hp::terminal::layoutFor;
using hp::terminal::OutputLayout;
using hp::terminal::render;
using hp::terminal::Table;

namespace {

Table sessions() {
  Table table;
  table.title = "cached shop sessions";
  table.fields = {"shop", "suite", "expires"};
  table.rows = {{"localhost:4433", "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", "2026-11-24 10:00Z"},
                {"bank.example:443", "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384", "2026-11-24 10:05Z"}};
  return table;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("layout: the profile on the access card chooses narrow or wide") {
  TerminalProfile phone{TerminalProfile::Kind::kPhone, 32, 20, TerminalProfile::Layout::kNarrow};
  TerminalProfile laptop{TerminalProfile::Kind::kLaptop, 120, 40, TerminalProfile::Layout::kWide};
  CHECK_FALSE(layoutFor(phone).wide);
  CHECK(layoutFor(phone).columns == 32);
  CHECK(layoutFor(laptop).wide);
  CHECK(layoutFor(laptop).columns == 120);
  TerminalProfile tiny{TerminalProfile::Kind::kPhone, 5, 5, TerminalProfile::Layout::kNarrow};
  CHECK(layoutFor(tiny).columns == OutputLayout::kMinColumns);
}

TEST_CASE("layout: narrow puts one field per line, wraps long values, never exceeds the width") {
  const OutputLayout narrow{false, 30};
  const std::string text = render(sessions(), narrow);
  const auto out = lines(text);
  REQUIRE(out.size() > 6);
  CHECK(out[0] == "cached shop sessions");
  CHECK(out[1] == "shop: localhost:4433");
  CHECK(out[2] == "suite:");  // the suite does not fit beside its label
  CHECK(out[3] == "  TLS-ECDHE-ECDSA-WITH-AES-128");
  CHECK(out[4] == "  -GCM-SHA256");
  CHECK(out[5] == "expires: 2026-11-24 10:00Z");
  CHECK(out[6].empty());  // a blank line between records
  for (const auto& line : out) CHECK(line.size() <= 30);
}

TEST_CASE("layout: wide is a table with a header and one row per record, cut to the width") {
  const std::string roomy = render(sessions(), OutputLayout{true, 120});
  const auto out = lines(roomy);
  REQUIRE(out.size() == 5);
  CHECK(out[1].rfind("shop", 0) == 0);
  CHECK(out[1].find("suite") != std::string::npos);
  CHECK(out[2].rfind("----", 0) == 0);
  CHECK(out[3].find("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256") != std::string::npos);
  // Columns line up: "suite" starts where each row's suite starts.
  CHECK(out[1].find("suite") == out[3].find("TLS-"));
  CHECK(out[1].find("suite") == out[4].find("TLS-"));

  const auto cut = lines(render(sessions(), OutputLayout{true, 50}));
  for (const auto& line : cut) CHECK(line.size() <= 50);
  CHECK(cut[3].find('~') != std::string::npos);  // the value that did not fit is marked
}

TEST_CASE("layout: an empty list says so in both layouts") {
  Table empty = sessions();
  empty.rows.clear();
  CHECK(render(empty, OutputLayout{false, 40}).find("(none)") != std::string::npos);
  CHECK(render(empty, OutputLayout{true, 80}).find("(none)") != std::string::npos);
}
