#include "tools/conform/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "tools/conform/json_file.hpp"

namespace hp::conform {

namespace {

std::string textField(const Json::Value& object, const char* field) {
  const Json::Value& v = object[field];
  return v.isString() ? v.asString() : std::string();
}

// Long on purpose (issue 11): a dispatch over the step kinds, one branch each.
// NOLINTNEXTLINE(readability-function-size)
Result<Step> parseStep(const Json::Value& json, const std::string& where) {
  static const std::set<std::string> kKnown = {
      "note",       "send",         "expect_sw",    "expect_data", "expect_len",
      "save",       "get_response", "reset",        "sleep_ms",    "verify_ecdsa",
      "verify_rsa", "sign_purse",   "verify_purse", "server_hello"};
  if (!json.isObject()) return makeError(where + ": a step must be an object");
  for (const std::string& key : json.getMemberNames()) {
    if (kKnown.count(key) == 0) return makeError(where + ": unknown step field '" + key + "'");
  }
  Step step;
  step.note = textField(json, "note");
  const int actions =
      (json.isMember("send") ? 1 : 0) + (json.isMember("reset") ? 1 : 0) +
      (json.isMember("sleep_ms") ? 1 : 0) + (json.isMember("verify_ecdsa") ? 1 : 0) +
      (json.isMember("verify_rsa") ? 1 : 0) + (json.isMember("sign_purse") ? 1 : 0) +
      (json.isMember("verify_purse") ? 1 : 0) + (json.isMember("server_hello") ? 1 : 0);
  if (actions != 1) {
    return makeError(where +
                     ": a step needs exactly one of send, reset, sleep_ms, verify_ecdsa, "
                     "verify_rsa, sign_purse, verify_purse, server_hello");
  }
  if (json.isMember("send")) {
    step.kind = Step::Kind::kSend;
    if (!json["send"].isString()) return makeError(where + ": 'send' must be a string");
    step.send = json["send"].asString();
    const Json::Value& sw = json["expect_sw"];
    if (sw.isString()) {
      step.expectSw.push_back(sw.asString());
    } else if (sw.isArray()) {
      for (const Json::Value& s : sw) step.expectSw.push_back(s.asString());
    } else if (!sw.isNull()) {
      return makeError(where + ": 'expect_sw' must be a string or a list of strings");
    }
    if (json.isMember("expect_data")) step.expectData = json["expect_data"].asString();
    if (json.isMember("expect_len")) {
      if (!json["expect_len"].isUInt()) return makeError(where + ": 'expect_len' must be a count");
      step.expectLen = json["expect_len"].asUInt();
    }
    if (json.isMember("save")) step.save = json["save"].asString();
    step.getResponse = json["get_response"].asBool();
  } else if (json.isMember("reset")) {
    step.kind = Step::Kind::kReset;
  } else if (json.isMember("sleep_ms")) {
    step.kind = Step::Kind::kSleep;
    if (!json["sleep_ms"].isUInt64()) return makeError(where + ": 'sleep_ms' must be a count");
    step.sleepMs = json["sleep_ms"].asUInt64();
  } else if (json.isMember("sign_purse") || json.isMember("verify_purse")) {
    const bool sign = json.isMember("sign_purse");
    step.kind = sign ? Step::Kind::kSignPurse : Step::Kind::kVerifyPurse;
    const Json::Value& v = json[sign ? "sign_purse" : "verify_purse"];
    const std::vector<std::string> needed =
        sign ? std::vector<std::string>{"key", "label", "body"}
             : std::vector<std::string>{"point", "label", "signed"};
    for (const std::string& field : needed) {
      if (!v[field].isString()) return makeError(where + ": purse step lacks '" + field + "'");
      step.verify[field] = v[field].asString();
    }
    if (sign) {
      if (!json["save"].isString()) return makeError(where + ": sign_purse needs 'save'");
      step.save = json["save"].asString();
      if (v.isMember("prefix")) {
        if (!v["prefix"].isString()) return makeError(where + ": 'prefix' must be hex text");
        step.verify["prefix"] = v["prefix"].asString();
      }
    }
  } else if (json.isMember("server_hello")) {
    step.kind = Step::Kind::kServerHello;
    const Json::Value& v = json["server_hello"];
    if (!v.isObject()) return makeError(where + ": 'server_hello' must be an object");
    static const std::set<std::string> kFields = {"key",     "share",     "transcript_hash",
                                                  "ks_hash", "ticket_id", "lifetime"};
    for (const std::string& key : v.getMemberNames()) {
      if (kFields.count(key) == 0)
        return makeError(where + ": unknown server_hello field '" + key + "'");
    }
    for (const std::string& field : kFields) {
      if (!v[field].isString()) return makeError(where + ": server_hello lacks '" + field + "'");
      step.verify[field] = v[field].asString();
    }
    if (!json["save"].isString()) return makeError(where + ": server_hello needs 'save'");
    step.save = json["save"].asString();
  } else {
    const bool ecdsa = json.isMember("verify_ecdsa");
    step.kind = ecdsa ? Step::Kind::kVerifyEcdsa : Step::Kind::kVerifyRsa;
    const Json::Value& v = json[ecdsa ? "verify_ecdsa" : "verify_rsa"];
    const std::vector<std::string> needed =
        ecdsa ? std::vector<std::string>{"point", "hash", "signature"}
              : std::vector<std::string>{"modulus", "exponent", "hash", "signature"};
    for (const std::string& field : needed) {
      if (!v[field].isString()) return makeError(where + ": verify step lacks '" + field + "'");
      step.verify[field] = v[field].asString();
    }
  }
  if (step.kind != Step::Kind::kSend &&
      (json.isMember("expect_sw") || json.isMember("expect_data") ||
       (json.isMember("save") && step.kind != Step::Kind::kSignPurse &&
        step.kind != Step::Kind::kServerHello))) {
    return makeError(where + ": expect_sw/expect_data/save only apply to a 'send' step");
  }
  return step;
}

// Parses a decimal count in "${random:N}" and slice bounds; nullopt when not a number.
std::optional<long> parseNumber(std::string_view text) {
  long v = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<Scenario> loadScenario(const std::string& path) {
  auto root = readJsonFile(path);
  if (!root) return root.error();
  const Json::Value& json = root.value();
  if (!json.isObject()) return makeError(path + ": the top level must be an object");
  Scenario s;
  s.path = path;
  s.fileName = std::filesystem::path(path).filename().string();
  s.name = textField(json, "name");
  s.card = textField(json, "card");
  s.description = textField(json, "description");
  if (s.card.empty()) return makeError(path + ": 'card' is missing");
  const Json::Value& vars = json["vars"];
  if (!vars.isNull()) {
    if (!vars.isObject()) return makeError(path + ": 'vars' must be an object");
    for (const std::string& name : memberNamesInFileOrder(vars)) {
      if (!vars[name].isString()) return makeError(path + ": var '" + name + "' must be a string");
      s.vars.emplace_back(name, vars[name].asString());
    }
  }
  const Json::Value& steps = json["steps"];
  if (!steps.isArray() || steps.empty())
    return makeError(path + ": 'steps' must be a non-empty list");
  for (Json::ArrayIndex i = 0; i < steps.size(); ++i) {
    auto step = parseStep(steps[i], path + " step " + std::to_string(i + 1));
    if (!step) return step.error();
    s.steps.push_back(std::move(step.value()));
  }
  return s;
}

Result<std::vector<std::string>> listScenarioFiles(const std::string& specsDir,
                                                   const std::string& card) {
  const std::filesystem::path dir = std::filesystem::path(specsDir) / "scenarios" / card;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return makeError("no scenario folder " + dir.string());
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path().string());
    }
  }
  if (ec) return makeError("cannot list " + dir.string() + ": " + ec.message());
  // File-name order is the run order (NN- prefixes).
  std::sort(files.begin(), files.end());
  return files;
}

const Bytes* Variables::find(const std::string& name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

Result<std::string> Variables::substitute(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("${", i);
    if (open == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, open - i));
    const size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      return makeError("unterminated ${ in '" + std::string(text) + "'");
    }
    auto value = evaluate(text.substr(open + 2, close - open - 2));
    if (!value) return value.error();
    out.append(toHex(value.value()));
    i = close + 1;
  }
  return out;
}

Result<Bytes> Variables::expandHex(std::string_view text) {
  auto substituted = substitute(text);
  if (!substituted) return substituted.error();
  auto bytes = fromHex(substituted.value());
  if (!bytes) return makeError("not hex after substitution: '" + substituted.value() + "'");
  return *bytes;
}

Result<Bytes> Variables::generate(std::string_view kind, std::string_view count) {
  const auto n = parseNumber(count);
  if (!n || *n < 0 || *n > 65536) {
    return makeError("bad count '" + std::string(count) + "' in ${" + std::string(kind) + ":...}");
  }
  Bytes out = rng_.bytes(static_cast<size_t>(*n));
  if (out.size() != static_cast<size_t>(*n)) return makeError("random generator failed");
  if (kind == "digits") {
    for (uint8_t& b : out) b = static_cast<uint8_t>('0' + b % 10);
  }
  return out;
}

Result<Bytes> Variables::evaluate(std::string_view expression) {
  // Generators: random:N, digits:N, optionally kept as >name.
  const size_t colon = expression.find(':');
  const std::string_view head = expression.substr(0, colon);
  if (colon != std::string_view::npos && (head == "random" || head == "digits")) {
    std::string_view rest = expression.substr(colon + 1);
    std::string keep;
    if (const size_t gt = rest.find('>'); gt != std::string_view::npos) {
      keep = std::string(rest.substr(gt + 1));
      rest = rest.substr(0, gt);
      if (keep.empty())
        return makeError("empty name after '>' in ${" + std::string(expression) + "}");
    }
    auto value = generate(head, rest);
    if (!value) return value.error();
    if (!keep.empty()) values_[keep] = value.value();
    return value;
  }
  // len:name, the one-byte length of a variable (a short Lc, an ID's length prefix).
  if (colon != std::string_view::npos && head == "len") {
    const Bytes* value = find(std::string(expression.substr(colon + 1)));
    if (value == nullptr)
      return makeError("undefined variable in ${" + std::string(expression) + "}");
    if (value->size() > 255) return makeError("${" + std::string(expression) + "} is over 255");
    return Bytes{static_cast<uint8_t>(value->size())};
  }
  // A variable, optionally sliced: name[a:b] with Python rules (negative from the end, end
  // exclusive, either bound may be omitted, out-of-range bounds clamp).
  std::string_view name = expression;
  std::optional<std::string_view> slice;
  if (const size_t bracket = expression.find('['); bracket != std::string_view::npos) {
    if (expression.back() != ']')
      return makeError("bad slice in ${" + std::string(expression) + "}");
    name = expression.substr(0, bracket);
    slice = expression.substr(bracket + 1, expression.size() - bracket - 2);
  }
  const Bytes* value = find(std::string(name));
  if (value == nullptr) return makeError("undefined variable ${" + std::string(name) + "}");
  if (!slice) return *value;

  const size_t sep = slice->find(':');
  if (sep == std::string_view::npos) {
    return makeError("slice needs a ':' in ${" + std::string(expression) + "}");
  }
  const long size = static_cast<long>(value->size());
  auto bound = [&](std::string_view text, long dflt) -> std::optional<long> {
    if (text.empty()) return dflt;
    auto v = parseNumber(text);
    if (!v) return std::nullopt;
    long b = *v < 0 ? *v + size : *v;
    return std::clamp(b, 0L, size);
  };
  const auto begin = bound(slice->substr(0, sep), 0);
  const auto end = bound(slice->substr(sep + 1), size);
  if (!begin || !end) return makeError("bad slice bounds in ${" + std::string(expression) + "}");
  if (*end <= *begin) return Bytes{};
  return Bytes(value->begin() + *begin, value->begin() + *end);
}

}  // namespace hp::conform
