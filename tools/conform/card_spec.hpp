// The card specifications (apdu_specs/<card>.json, format in apdu_specs/SCHEMA.md) in memory,
// and the matching of a command APDU to the command that documents it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::conform {

struct StateSpec {
  std::string name;
  std::string description;
};

struct CommandSpec {
  std::string name;
  // Header bytes; nullopt for "xx" (any value).
  std::optional<uint8_t> cla, ins, p1, p2;
  std::vector<int> cases;
  std::string data;
  std::string le;
  std::vector<std::string> states;
  std::string effect;
  std::string response;
  // Status word pattern ("9000", "63Cx", "61xx") and its meaning, in file order.
  std::vector<std::pair<std::string, std::string>> sw;

  // Number of "xx" fields: the fewer, the more specific.
  int wildcards() const;
  // All four header fields are "xx": the command documents status words of every command.
  bool appliesToEveryCommand() const { return wildcards() == 4; }
  // CLA is compared without the chaining bit (0x10), as SCHEMA.md says; an entry whose CLA has
  // the chaining bit set matches only commands that have it (intermediate links of a chain).
  bool matches(uint8_t claByte, uint8_t insByte, uint8_t p1Byte, uint8_t p2Byte) const;
  bool documents(uint16_t statusWord) const;
  // "00 A4 04 0C" with xx for wildcards.
  std::string headerText() const;
};

struct CardSpec {
  std::string card;
  std::string title;
  Bytes aid;  // empty for runtime.json
  std::string atrHistorical;
  std::string description;
  std::vector<StateSpec> states;
  std::vector<CommandSpec> commands;
  std::string path;  // where it was read from, for messages

  // The most specific command matching the header (fewest "xx"; the first in the file on a tie),
  // or nullptr.
  const CommandSpec* match(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2) const;
};

// Reads and checks one spec file: every field of SCHEMA.md, unique command names, valid hex,
// valid status word patterns. The message names the file and the offending command.
Result<CardSpec> loadCardSpec(const std::string& path);

}  // namespace hp::conform
