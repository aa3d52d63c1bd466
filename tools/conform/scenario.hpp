// Scenario files (apdu_specs/scenarios/<card>/NN-name.json, format in apdu_specs/SCHEMA.md):
// loading, and the expansion of ${var}, ${var[a:b]}, ${len:var}, ${random:N}, ${digits:N} and
// ${gen>name}.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::conform {

struct Step {
  enum class Kind : uint8_t {
    kSend,
    kReset,
    kSleep,
    kVerifyEcdsa,
    kVerifyRsa,
    kSignPurse,
    kVerifyPurse,
    kServerHello
  };
  Kind kind = Kind::kSend;
  std::string note;
  // kSend
  std::string send;                   // hex with ${...}, expanded when the step runs
  std::vector<std::string> expectSw;  // alternatives; empty = no expectation
  std::optional<std::string> expectData;
  std::optional<size_t> expectLen;
  // kSend: the response data; kSignPurse: the signed object; kServerHello: KEY AGREEMENT's data
  std::optional<std::string> save;
  bool getResponse = false;
  // kSleep
  uint64_t sleepMs = 0;
  // kVerifyEcdsa: point, hash, signature; kVerifyRsa: modulus, exponent, hash, signature;
  // kSignPurse: key (P-256 scalar), label (ASCII text), body, optional prefix (hex put before
  // the signed object in the saved value, e.g. a command's time_ms); kVerifyPurse: point, label,
  // signed (docs/emoney.md "Signed X": u16 len || body || DER ECDSA over the labelled hash).
  // kServerHello: key (the home server's P-256 scalar), share (the card's pending point, 65
  // bytes), transcript_hash (32), ks_hash, ticket_id, lifetime (put in KEY AGREEMENT as given).
  std::map<std::string, std::string> verify;
};

struct Scenario {
  std::string path;
  std::string fileName;
  std::string name;
  std::string card;
  std::string description;
  std::vector<std::pair<std::string, std::string>> vars;  // file order
  std::vector<Step> steps;
};

// Reads and checks a scenario file; unknown step fields are errors (a misspelt "expect_sw"
// must not make a step pass without checking anything).
Result<Scenario> loadScenario(const std::string& path);

// The scenario files of one card in file-name order: DIR/scenarios/<card>/*.json.
Result<std::vector<std::string>> listScenarioFiles(const std::string& specsDir,
                                                   const std::string& card);

// The variables of one scenario run and the random generators, drawn from the runner's seeded
// generator in the order they are met so a seed replays a run exactly.
class Variables {
 public:
  explicit Variables(base::Rng& rng) : rng_(rng) {}

  void set(const std::string& name, Bytes value) { values_[name] = std::move(value); }
  const Bytes* find(const std::string& name) const;

  // Replaces every ${...} by the hex of its value; the rest of the text is kept as is (so it
  // also serves expect_data patterns with xx and ...).
  Result<std::string> substitute(std::string_view text);
  // substitute, then parse as hex.
  Result<Bytes> expandHex(std::string_view text);

 private:
  Result<Bytes> evaluate(std::string_view expression);
  Result<Bytes> generate(std::string_view kind, std::string_view count);

  base::Rng& rng_;
  std::map<std::string, Bytes> values_;
};

}  // namespace hp::conform
