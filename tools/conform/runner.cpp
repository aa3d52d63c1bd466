#include "tools/conform/runner.hpp"

#include "base/ec_key.hpp"
#include "base/rsa_key.hpp"
#include "protocol/channel/server_hello_statement.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/conform/atr_parse.hpp"
#include "tools/conform/hex_pattern.hpp"

namespace hp::conform {

namespace {
constexpr uint8_t kSw1BytesRemaining = 0x61;

void appendProblem(std::string& problems, const std::string& p) {
  if (!problems.empty()) problems += "; ";
  problems += p;
}
}  // namespace

std::string ScenarioRunner::undocumented(ByteView command, uint16_t sw) {
  const bool hasHeader = command.size() >= 4;
  const CardSpec* specs[] = {&cardSpec_, &runtimeSpec_};
  bool documented = false;
  std::string matchedNames;
  for (const CardSpec* spec : specs) {
    // The most specific matching command, plus every all-"xx" entry (status words that any
    // command can produce, such as 6700 or 61xx).
    if (hasHeader) {
      const CommandSpec* match = spec->match(command[0], command[1], command[2], command[3]);
      if (match != nullptr) {
        exercised_.insert(spec->card + "/" + match->name);
        if (!match->appliesToEveryCommand()) {
          if (!matchedNames.empty()) matchedNames += ", ";
          matchedNames += spec->card + " '" + match->name + "'";
        }
        documented = documented || match->documents(sw);
      }
    }
    for (const CommandSpec& c : spec->commands) {
      if (c.appliesToEveryCommand() && c.documents(sw)) documented = true;
    }
  }
  if (documented) return {};
  return "SW " + statusWordText(sw) + " is not documented for " +
         (matchedNames.empty() ? std::string("this command (no spec command matches it)")
                               : matchedNames);
}

Result<ScenarioRunner::Exchange> ScenarioRunner::exchange(const Bytes& command,
                                                          std::string& problems) {
  if (verbose_) out_ << "    > " << toSpacedHex(command) << "\n";
  auto response = card_.transport().transmitRaw(command);
  if (!response) return response.error();
  const Bytes& raw = response.value();
  if (verbose_) out_ << "    < " << toSpacedHex(raw) << "\n";
  if (raw.size() < 2) return makeError("response shorter than a status word");
  Exchange e;
  e.data.assign(raw.begin(), raw.end() - 2);
  e.sw = static_cast<uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]);
  if (std::string why = undocumented(command, e.sw); !why.empty()) appendProblem(problems, why);
  return e;
}

std::string ScenarioRunner::runSend(const Step& step, Variables& vars, uint16_t& lastSw) {
  std::string problems;
  auto command = vars.expandHex(step.send);
  if (!command) return "send: " + command.error().message;
  auto first = exchange(command.value(), problems);
  if (!first) return "transmit failed: " + first.error().message;
  Bytes data = std::move(first.value().data);
  uint16_t sw = first.value().sw;
  // ISO 7816-4 5.3.4: 61xx announces xx more bytes (00 = 256 or more) for GET RESPONSE.
  while (step.getResponse && (sw >> 8) == kSw1BytesRemaining) {
    const Bytes getResponse{0x00, 0xC0, 0x00, 0x00, static_cast<uint8_t>(sw & 0xFF)};
    auto next = exchange(getResponse, problems);
    if (!next) return "GET RESPONSE failed: " + next.error().message;
    append(data, next.value().data);
    sw = next.value().sw;
  }
  lastSw = sw;

  if (!step.expectSw.empty()) {
    bool any = false;
    std::string wanted;
    for (const std::string& pattern : step.expectSw) {
      any = any || statusWordMatches(pattern, sw);
      wanted += (wanted.empty() ? "" : " or ") + pattern;
    }
    if (!any) appendProblem(problems, "expected SW " + wanted);
  }
  if (step.expectData) {
    auto text = vars.substitute(*step.expectData);
    if (!text) return "expect_data: " + text.error().message;
    auto pattern = DataPattern::parse(text.value());
    if (!pattern) return "expect_data: " + pattern.error().message;
    if (!pattern.value().matches(data)) {
      appendProblem(problems, "data " + toSpacedHex(data) + " does not match " + text.value());
    }
  }
  if (step.expectLen && data.size() != *step.expectLen) {
    appendProblem(problems, "data length " + std::to_string(data.size()) + ", expected " +
                                std::to_string(*step.expectLen));
  }
  if (step.save) vars.set(*step.save, data);
  return problems;
}

std::string ScenarioRunner::runVerify(const Step& step, Variables& vars) {
  std::map<std::string, Bytes> v;
  for (const auto& [field, text] : step.verify) {
    auto bytes = vars.expandHex(text);
    if (!bytes) return field + ": " + bytes.error().message;
    v[field] = std::move(bytes.value());
  }
  if (step.kind == Step::Kind::kVerifyEcdsa) {
    if (!base::verifyEcdsaP256(v["point"], v["hash"], v["signature"])) {
      return "ECDSA P-256 signature does not verify";
    }
  } else if (!base::verifyRsaPkcs1(v["modulus"], v["exponent"], v["hash"], v["signature"])) {
    return "RSA PKCS#1 v1.5 signature does not verify";
  }
  return {};
}

std::string ScenarioRunner::runPurseSignature(const Step& step, Variables& vars) {
  std::map<std::string, Bytes> v;
  for (const auto& [field, text] : step.verify) {
    if (field == "label") continue;  // ASCII text, not hex
    auto bytes = vars.expandHex(text);
    if (!bytes) return field + ": " + bytes.error().message;
    v[field] = std::move(bytes.value());
  }
  const std::string& label = step.verify.at("label");
  if (step.kind == Step::Kind::kVerifyPurse) {
    const auto parts = protocol::purse::splitSigned(v["signed"]);
    if (!parts) return "not a signed object (u16 len || body || signature)";
    if (!protocol::purse::verifySigned(v["point"], label, *parts)) {
      return "the signed object does not verify with the point under label '" + label + "'";
    }
    return {};
  }
  // A test party's signature (bank voucher, shop cancellation). RFC 6979 makes it
  // deterministic, so a seed still replays a run exactly.
  auto key = base::EcKeyPair::fromPrivate(v["key"], rng_);
  if (!key) return "key: " + key.error().message;
  const auto hash = protocol::purse::signedHash(label, v["body"]);
  auto signature = key.value()->signHash(hash, rng_);
  if (!signature) return "signing failed";
  Bytes saved = v["prefix"];
  append(saved, protocol::purse::appendSignature(v["body"], signature.value()));
  vars.set(*step.save, std::move(saved));
  return {};
}

std::string ScenarioRunner::runServerHello(const Step& step, Variables& vars) {
  std::map<std::string, Bytes> v;
  for (const auto& [field, text] : step.verify) {
    auto bytes = vars.expandHex(text);
    if (!bytes) return field + ": " + bytes.error().message;
    v[field] = std::move(bytes.value());
  }
  // serverHelloSignedHash takes fixed sizes: an uncompressed P-256 point and a SHA-256 hash.
  if (v["share"].size() != 65) return "share: not a 65-byte point";
  if (v["transcript_hash"].size() != 32) return "transcript_hash: not 32 bytes";
  auto key = base::EcKeyPair::fromPrivate(v["key"], rng_);
  if (!key) return "key: " + key.error().message;
  // The server's ephemeral point, from the runner's seeded generator (a seed replays a run).
  auto ephemeral = base::EcKeyPair::generate(rng_);
  if (!ephemeral) return "server ephemeral key: " + ephemeral.error().message;
  const Bytes serverPoint = ephemeral.value()->publicPoint();
  // docs/control-channel.md: the home server signs its point, the terminal's (the card's
  // pending share) and the transcript hash; the card fills its own point in when it checks.
  const auto hash =
      protocol::channel::serverHelloSignedHash(serverPoint, v["share"], v["transcript_hash"]);
  auto signature = key.value()->signHash(hash, rng_);
  if (!signature) return "signing failed";
  const Bytes& sig = signature.value();
  // KEY AGREEMENT's data (apdu_specs/accesscard.json): 86 90 9E 91 92 93, in this order.
  Bytes data;
  auto tlv = [&data](uint8_t tag, ByteView value) {
    data.push_back(tag);
    data.push_back(static_cast<uint8_t>(value.size()));
    append(data, value);
  };
  for (const char* field : {"ks_hash", "ticket_id", "lifetime"}) {
    if (v[field].size() > 127) return std::string(field) + ": too long for a short TLV length";
  }
  tlv(0x86, serverPoint);
  tlv(0x90, v["transcript_hash"]);
  tlv(0x9E, sig);
  tlv(0x91, v["ks_hash"]);
  tlv(0x92, v["ticket_id"]);
  tlv(0x93, v["lifetime"]);
  vars.set(*step.save, std::move(data));
  return {};
}

void ScenarioRunner::record(const Scenario& scenario, size_t index, const Step& step,
                            const std::string& problems, const std::string& detail) {
  const bool ok = problems.empty();
  ++(ok ? passed_ : failed_);
  out_ << (ok ? "PASS  " : "FAIL  ") << scenario.fileName << " #" << index << "  "
       << (step.note.empty() ? "(no note)" : step.note);
  if (!detail.empty()) out_ << "  " << detail;
  if (!ok) out_ << "  -- " << problems;
  out_ << "\n";
}

void ScenarioRunner::checkAtr() {
  auto atr = card_.transport().atr();
  if (!atr) {
    fail("ATR: cannot read it: " + atr.error().message);
    return;
  }
  const auto historical = atrHistoricalBytes(atr.value());
  const std::string line = "ATR " + toSpacedHex(atr.value());
  if (!historical) {
    fail(line + "  -- malformed ATR");
  } else if (!cardSpec_.atrHistorical.empty() && *historical != bytesOf(cardSpec_.atrHistorical)) {
    fail(line + "  -- historical bytes '" + std::string(historical->begin(), historical->end()) +
         "', spec says '" + cardSpec_.atrHistorical + "'");
  } else {
    ++passed_;
    out_ << "PASS  " << line << "\n";
  }
}

void ScenarioRunner::fail(const std::string& what) {
  ++failed_;
  out_ << "FAIL  " << what << "\n";
}

void ScenarioRunner::run(const Scenario& scenario) {
  out_ << "== " << scenario.fileName << ": " << scenario.name << "\n";
  if (scenario.card != cardSpec_.card) {
    fail(scenario.fileName + ": scenario is for card '" + scenario.card + "', not '" +
         cardSpec_.card + "'");
    return;
  }
  // SCHEMA.md: every scenario starts with a card reset.
  if (auto reset = card_.transport().reset(); !reset) {
    fail(scenario.fileName + ": card reset failed: " + reset.error().message);
    return;
  }
  Variables vars(rng_);
  vars.set("aid", cardSpec_.aid);
  for (const auto& [name, text] : scenario.vars) {
    auto value = vars.expandHex(text);
    if (!value) {
      fail(scenario.fileName + ": var '" + name + "': " + value.error().message);
      return;
    }
    vars.set(name, std::move(value.value()));
  }

  for (size_t i = 0; i < scenario.steps.size(); ++i) {
    const Step& step = scenario.steps[i];
    std::string problems;
    std::string detail;
    switch (step.kind) {
      case Step::Kind::kSend: {
        uint16_t sw = 0;
        problems = runSend(step, vars, sw);
        if (sw != 0) detail = "SW " + statusWordText(sw);
        break;
      }
      case Step::Kind::kReset:
        if (auto r = card_.transport().reset(); !r) problems = "reset failed: " + r.error().message;
        detail = "reset";
        break;
      case Step::Kind::kSleep:
        card_.sleepMs(step.sleepMs);
        detail = "sleep " + std::to_string(step.sleepMs) + " ms";
        break;
      case Step::Kind::kVerifyEcdsa:
      case Step::Kind::kVerifyRsa:
        problems = runVerify(step, vars);
        detail = step.kind == Step::Kind::kVerifyEcdsa ? "verify ECDSA" : "verify RSA";
        break;
      case Step::Kind::kSignPurse:
      case Step::Kind::kVerifyPurse:
        problems = runPurseSignature(step, vars);
        detail = step.kind == Step::Kind::kSignPurse ? "sign " + step.verify.at("label")
                                                     : "verify " + step.verify.at("label");
        break;
      case Step::Kind::kServerHello:
        problems = runServerHello(step, vars);
        detail = "home server signs its point, the share and the transcript";
        break;
    }
    record(scenario, i + 1, step, problems, detail);
  }
}

void ScenarioRunner::reportCoverage() const {
  const CardSpec* specs[] = {&cardSpec_, &runtimeSpec_};
  for (const CardSpec* spec : specs) {
    for (const CommandSpec& c : spec->commands) {
      if (c.appliesToEveryCommand()) continue;
      if (exercised_.count(spec->card + "/" + c.name) == 0) {
        out_ << "warning: no scenario exercised " << spec->card << " command '" << c.name << "' ("
             << c.headerText() << ")\n";
      }
    }
  }
}

}  // namespace hp::conform
