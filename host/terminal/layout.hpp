// Human output laid out for the terminal the access card says it is in (profile DF 33): a
// phone gets narrow output (one "field: value" per line, long values wrapped to its width), a
// laptop or till a table with one row per record, cut to its width. Pure text in, text out.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "host/card_adapters/access_card_client.hpp"

namespace hp::terminal {

struct OutputLayout {
  bool wide = false;
  size_t columns = 40;  // never less than kMinColumns
  static constexpr size_t kMinColumns = 20;
};

OutputLayout layoutFor(const card_adapters::TerminalProfile& profile);

// A list of records sharing the same field names, e.g. the home server's cached sessions.
struct Table {
  std::string title;
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> rows;  // each as long as `fields`
};

std::string render(const Table& table, const OutputLayout& layout);

}  // namespace hp::terminal
