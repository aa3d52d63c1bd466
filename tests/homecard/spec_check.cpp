#include "tests/homecard/spec_check.hpp"

#include <json/json.h>

#include <fstream>
#include <optional>
#include <stdexcept>
#include <vector>

namespace hp::card::homecard::test {

namespace {
struct SpecCommand {
  std::string name;
  std::optional<uint8_t> header[4];  // CLA INS P1 P2; nullopt = "xx"
  std::vector<std::string> statusWords;

  int wildcards() const {
    int n = 0;
    for (const auto& h : header) n += h ? 0 : 1;
    return n;
  }
  bool matches(ByteView c) const {
    constexpr uint8_t kChaining = 0x10;
    if (header[0] && (*header[0] & ~kChaining) != (c[0] & ~kChaining)) return false;
    if (header[0] && (*header[0] & kChaining) != 0 && (c[0] & kChaining) == 0) return false;
    for (size_t i = 1; i < 4; ++i) {
      if (header[i] && *header[i] != c[i]) return false;
    }
    return true;
  }
  bool documents(uint16_t sw) const {
    const std::string hex = toHex(Bytes{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)});
    for (const std::string& pattern : statusWords) {
      bool same = pattern.size() == 4;
      for (size_t i = 0; same && i < 4; ++i) {
        same = pattern[i] == 'x' || pattern[i] == 'X' || std::toupper(pattern[i]) == hex[i];
      }
      if (same) return true;
    }
    return false;
  }
};

std::vector<SpecCommand> loadSpec(const std::string& file) {
  const std::string path = std::string(HP_APDU_SPECS_DIR) + "/" + file;
  std::ifstream in(path);
  Json::Value root;
  Json::CharReaderBuilder reader;
  std::string errors;
  if (!in || !Json::parseFromStream(reader, in, &root, &errors)) {
    throw std::runtime_error("cannot read " + path + ": " + errors);
  }
  std::vector<SpecCommand> out;
  for (const Json::Value& c : root["commands"]) {
    SpecCommand cmd;
    cmd.name = c["name"].asString();
    const char* fields[] = {"cla", "ins", "p1", "p2"};
    for (size_t i = 0; i < 4; ++i) {
      const std::string text = c[fields[i]].asString();
      if (text != "xx") cmd.header[i] = static_cast<uint8_t>(std::stoi(text, nullptr, 16));
    }
    for (const std::string& sw : c["sw"].getMemberNames()) cmd.statusWords.push_back(sw);
    out.push_back(std::move(cmd));
  }
  return out;
}

const std::vector<std::vector<SpecCommand>>& specs() {
  static const std::vector<std::vector<SpecCommand>> all = {loadSpec("homecard.json"),
                                                            loadSpec("runtime.json")};
  return all;
}
}  // namespace

std::string undocumentedStatusWord(ByteView command, uint16_t sw) {
  std::string matched;
  for (const auto& spec : specs()) {
    const SpecCommand* best = nullptr;
    if (command.size() >= 4) {
      for (const SpecCommand& c : spec) {
        if (c.matches(command) && (best == nullptr || c.wildcards() < best->wildcards())) {
          best = &c;
        }
      }
    }
    if (best != nullptr) {
      if (best->documents(sw)) return {};
      matched += " '" + best->name + "'";
    }
    for (const SpecCommand& c : spec) {
      if (c.wildcards() == 4 && c.documents(sw)) return {};
    }
  }
  return "SW " + toHex(Bytes{static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw)}) +
         " is not documented for" + (matched.empty() ? std::string(" any command") : matched);
}

}  // namespace hp::card::homecard::test
