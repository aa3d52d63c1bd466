#include "host/terminal/layout.hpp"

#include <algorithm>

namespace hp::terminal {

OutputLayout layoutFor(const card_adapters::TerminalProfile& profile) {
  OutputLayout layout;
  layout.wide = profile.layout == card_adapters::TerminalProfile::Layout::kWide;
  layout.columns = std::max<size_t>(profile.columns, OutputLayout::kMinColumns);
  return layout;
}

namespace {

// Splits `text` into pieces of at most `width` characters (at least one piece).
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < text.size(); at += width) lines.push_back(text.substr(at, width));
  if (lines.empty()) lines.emplace_back();
  return lines;
}

std::string cut(const std::string& text, size_t width) {
  if (text.size() <= width) return text;
  if (width == 0) return "";
  return text.substr(0, width - 1) + "~";  // '~' marks a value that did not fit
}

std::string renderNarrow(const Table& table, const OutputLayout& layout) {
  std::string out;
  if (!table.title.empty()) out += cut(table.title, layout.columns) + "\n";
  if (table.rows.empty()) out += "(none)\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    if (r > 0) out += "\n";  // a blank line between records
    for (size_t f = 0; f < table.fields.size(); ++f) {
      const std::string& value = f < table.rows[r].size() ? table.rows[r][f] : std::string();
      const std::string label = table.fields[f] + ": ";
      if (label.size() + value.size() <= layout.columns) {
        out += label + value + "\n";
        continue;
      }
      // Too long for one line: the label alone, then the value wrapped and indented.
      out += cut(table.fields[f] + ":", layout.columns) + "\n";
      for (const auto& piece : wrap(value, layout.columns - 2)) out += "  " + piece + "\n";
    }
  }
  return out;
}

std::string renderWide(const Table& table, const OutputLayout& layout) {
  const size_t count = table.fields.size();
  std::vector<size_t> widths(count);
  for (size_t f = 0; f < count; ++f) {
    widths[f] = table.fields[f].size();
    for (const auto& row : table.rows) {
      if (f < row.size()) widths[f] = std::max(widths[f], row[f].size());
    }
  }
  // Columns are separated by two spaces; shrink the widest column until the line fits.
  auto total = [&] {
    size_t sum = count > 0 ? 2 * (count - 1) : 0;
    for (size_t w : widths) sum += w;
    return sum;
  };
  while (total() > layout.columns) {
    auto widest = std::max_element(widths.begin(), widths.end());
    if (*widest <= 3) break;
    --*widest;
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t f = 0; f < count; ++f) {
      std::string cell = cut(f < cells.size() ? cells[f] : std::string(), widths[f]);
      if (f + 1 < count) cell.resize(widths[f], ' ');
      text += cell;
      if (f + 1 < count) text += "  ";
    }
    return text + "\n";
  };
  std::string out;
  if (!table.title.empty()) out += cut(table.title, layout.columns) + "\n";
  out += line(table.fields);
  std::vector<std::string> rule;
  rule.reserve(widths.size());
  for (size_t w : widths) rule.emplace_back(w, '-');
  out += line(rule);
  for (const auto& row : table.rows) out += line(row);
  if (table.rows.empty()) out += "(none)\n";
  return out;
}

}  // namespace

std::string render(const Table& table, const OutputLayout& layout) {
  OutputLayout safe = layout;
  safe.columns = std::max(safe.columns, OutputLayout::kMinColumns);
  return safe.wide ? renderWide(table, safe) : renderNarrow(table, safe);
}

}  // namespace hp::terminal
