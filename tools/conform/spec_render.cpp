#include "tools/conform/spec_render.hpp"

#include <cctype>
#include <filesystem>
#include <sstream>

namespace hp::conform {

namespace {

// Table cells: a '|' would end the cell and a newline the row.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

// GitHub-style heading anchor: lower case, spaces to '-', punctuation dropped.
std::string anchor(const std::string& heading) {
  std::string out;
  for (char c : heading) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c == ' ' || c == '-') {
      out += '-';
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::string cases(const std::vector<int>& list) {
  std::vector<std::string> items;
  items.reserve(list.size());
  for (int c : list) items.push_back(std::to_string(c));
  return items.empty() ? "-" : joined(items, ", ");
}

std::string orDash(const std::string& text) {
  return text.empty() ? "-" : text;
}

void renderCommand(std::ostream& out, const CardSpec& spec, const CommandSpec& c) {
  const std::string heading = spec.card + ": " + c.name;
  out << "### " << heading << "\n\n";
  out << "| | |\n|---|---|\n";
  out << "| Header (CLA INS P1 P2) | `" << c.headerText() << "` |\n";
  out << "| ISO 7816-4 case | " << cases(c.cases) << " |\n";
  out << "| Command data | " << cell(orDash(c.data)) << " |\n";
  out << "| Le | " << cell(orDash(c.le)) << " |\n";
  out << "| Response data | " << cell(orDash(c.response)) << " |\n";
  out << "| States | " << cell(c.states.empty() ? "-" : joined(c.states, ", ")) << " |\n";
  out << "\n" << orDash(c.effect) << "\n\n";
  out << "| SW | Meaning |\n|---|---|\n";
  for (const auto& [pattern, meaning] : c.sw) {
    out << "| `" << pattern << "` | " << cell(meaning) << " |\n";
  }
  out << "\n";
}

void renderCard(std::ostream& out, const CardSpec& spec) {
  out << "## " << spec.title << " (`" << spec.card << "`)\n\n";
  out << "Source: `" << std::filesystem::path(spec.path).filename().string() << "`";
  if (!spec.aid.empty()) out << " · AID `" << toSpacedHex(spec.aid) << "`";
  if (!spec.atrHistorical.empty()) out << " · ATR historical bytes `" << spec.atrHistorical << "`";
  out << "\n\n";
  if (!spec.description.empty()) out << spec.description << "\n\n";

  out << "### " << spec.card << ": states\n\n";
  if (spec.states.empty()) {
    out << "No states.\n\n";
  } else {
    out << "| State | Description |\n|---|---|\n";
    for (const StateSpec& s : spec.states) {
      out << "| " << cell(s.name) << " | " << cell(s.description) << " |\n";
    }
    out << "\n";
  }

  out << "### " << spec.card << ": commands\n\n";
  out << "| Command | CLA INS P1 P2 | States |\n|---|---|---|\n";
  for (const CommandSpec& c : spec.commands) {
    out << "| [" << cell(c.name) << "](#" << anchor(spec.card + ": " + c.name) << ") | `"
        << c.headerText() << "` | " << cell(c.states.empty() ? "-" : joined(c.states, ", "))
        << " |\n";
  }
  out << "\n";
  for (const CommandSpec& c : spec.commands) renderCommand(out, spec, c);
}

}  // namespace

std::string renderSpecs(const std::vector<CardSpec>& specs) {
  std::ostringstream out;
  out << "<!-- GENERATED FILE, do not edit: rendered from the JSON specs in this folder by "
         "tools/conform/apdu_spec_render; regenerate with `"
      << kRenderCommand << "`. -->\n";
  out << "# APDU specifications\n\n";
  out << "The normative specs are the JSON files next to this one (format: `SCHEMA.md`); the "
         "conformance runner `apdu_conform` checks every status word a card returns against "
         "them. This file is their readable form. Header bytes shown as `xx` match any value; "
         "status words with `x` match any hex digit. The CLA chaining bit (0x10) is ignored when "
         "matching, except that an entry written with CLA `10` matches only chained commands "
         "(the intermediate links of a chain).\n\n";
  for (const CardSpec& spec : specs) {
    out << "- [" << spec.title << "](#" << anchor(spec.title + " (" + spec.card + ")")
        << "): " << spec.commands.size() << " commands\n";
  }
  out << "\n";
  for (const CardSpec& spec : specs) renderCard(out, spec);
  return out.str();
}

}  // namespace hp::conform
