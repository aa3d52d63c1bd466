#include "tools/conform/card_spec.hpp"

#include <json/json.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tools/conform/hex_pattern.hpp"
#include "tools/conform/json_file.hpp"

namespace hp::conform {

namespace {

// "00".."FF" or "xx".
Result<std::optional<uint8_t>> headerByte(const Json::Value& command, const char* field,
                                          const std::string& where) {
  const Json::Value& v = command[field];
  if (!v.isString()) return makeError(where + ": '" + field + "' must be a string");
  const std::string text = v.asString();
  if (text == "xx" || text == "XX") return std::optional<uint8_t>{};
  auto bytes = fromHex(text);
  if (!bytes || bytes->size() != 1) {
    return makeError(where + ": '" + field + "' must be two hex digits or \"xx\", not '" + text +
                     "'");
  }
  return std::optional<uint8_t>{(*bytes)[0]};
}

std::string textField(const Json::Value& object, const char* field) {
  const Json::Value& v = object[field];
  return v.isString() ? v.asString() : std::string();
}

}  // namespace

int CommandSpec::wildcards() const {
  return (cla ? 0 : 1) + (ins ? 0 : 1) + (p1 ? 0 : 1) + (p2 ? 0 : 1);
}

bool CommandSpec::matches(uint8_t claByte, uint8_t insByte, uint8_t p1Byte, uint8_t p2Byte) const {
  constexpr uint8_t kChaining = 0x10;
  if (cla && (*cla & ~kChaining) != (claByte & ~kChaining)) return false;
  // A spec entry written with the chaining bit set ("10") describes intermediate links of a
  // chain only (runtime.json's "Command chaining"); other entries match with or without it.
  if (cla && (*cla & kChaining) != 0 && (claByte & kChaining) == 0) return false;
  if (ins && *ins != insByte) return false;
  if (p1 && *p1 != p1Byte) return false;
  if (p2 && *p2 != p2Byte) return false;
  return true;
}

bool CommandSpec::documents(uint16_t statusWord) const {
  for (const auto& [pattern, meaning] : sw) {
    if (statusWordMatches(pattern, statusWord)) return true;
  }
  return false;
}

std::string CommandSpec::headerText() const {
  auto one = [](const std::optional<uint8_t>& b) {
    return b ? toHex(ByteView(&*b, 1)) : std::string("xx");
  };
  return one(cla) + " " + one(ins) + " " + one(p1) + " " + one(p2);
}

const CommandSpec* CardSpec::match(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2) const {
  const CommandSpec* best = nullptr;
  for (const CommandSpec& c : commands) {
    if (!c.matches(cla, ins, p1, p2)) continue;
    if (best == nullptr || c.wildcards() < best->wildcards()) best = &c;
  }
  return best;
}

Result<CardSpec> loadCardSpec(const std::string& path) {
  auto root = readJsonFile(path);
  if (!root) return root.error();
  const Json::Value& json = root.value();
  if (!json.isObject()) return makeError(path + ": the top level must be an object");

  CardSpec spec;
  spec.path = path;
  spec.card = textField(json, "card");
  if (spec.card.empty()) return makeError(path + ": 'card' is missing");
  spec.title = textField(json, "title");
  spec.description = textField(json, "description");
  spec.atrHistorical = textField(json, "atr_historical");
  if (json.isMember("aid")) {
    auto aid = fromHex(textField(json, "aid"));
    if (!aid || aid->empty() || aid->size() > 16) {
      return makeError(path + ": 'aid' must be 1 to 16 bytes of hex");
    }
    spec.aid = *aid;
  }
  for (const Json::Value& s : json["states"]) {
    spec.states.push_back({textField(s, "name"), textField(s, "description")});
  }
  if (!json["commands"].isArray()) return makeError(path + ": 'commands' must be an array");

  std::set<std::string> names;
  for (const Json::Value& c : json["commands"]) {
    CommandSpec cmd;
    cmd.name = textField(c, "name");
    const std::string where = path + ": command '" + cmd.name + "'";
    if (cmd.name.empty()) return makeError(path + ": a command has no 'name'");
    if (!names.insert(cmd.name).second) return makeError(where + " is defined twice");
    auto cla = headerByte(c, "cla", where);
    auto ins = headerByte(c, "ins", where);
    auto p1 = headerByte(c, "p1", where);
    auto p2 = headerByte(c, "p2", where);
    for (const auto* field : {&cla, &ins, &p1, &p2}) {
      if (!*field) return field->error();
    }
    cmd.cla = cla.value();
    cmd.ins = ins.value();
    cmd.p1 = p1.value();
    cmd.p2 = p2.value();
    for (const Json::Value& k : c["case"]) {
      if (!k.isInt() || k.asInt() < 1 || k.asInt() > 4) {
        return makeError(where + ": 'case' must list ISO 7816-4 cases 1 to 4");
      }
      cmd.cases.push_back(k.asInt());
    }
    cmd.data = textField(c, "data");
    cmd.le = textField(c, "le");
    for (const Json::Value& s : c["states"]) cmd.states.push_back(s.asString());
    cmd.effect = textField(c, "effect");
    cmd.response = textField(c, "response");
    const Json::Value& sw = c["sw"];
    if (!sw.isObject() || sw.empty()) return makeError(where + ": 'sw' must be a non-empty object");
    for (const std::string& pattern : memberNamesInFileOrder(sw)) {
      if (!isStatusWordPattern(pattern)) {
        return makeError(where + ": status word '" + pattern +
                         "' must be four hex digits or x wildcards");
      }
      cmd.sw.emplace_back(pattern, sw[pattern].asString());
    }
    spec.commands.push_back(std::move(cmd));
  }
  return spec;
}

}  // namespace hp::conform
