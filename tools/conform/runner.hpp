// Runs scenarios against a card and checks every response against the scenario's expectations
// and against the specs (an undocumented status word is a failure).
#pragma once

#include <cstdint>
#include <ostream>
#include <set>
#include <string>

#include "base/rng.hpp"
#include "tools/conform/card_spec.hpp"
#include "tools/conform/card_under_test.hpp"
#include "tools/conform/scenario.hpp"

namespace hp::conform {

class ScenarioRunner {
 public:
  ScenarioRunner(const CardSpec& cardSpec, const CardSpec& runtimeSpec, CardUnderTest& card,
                 base::Rng& rng, std::ostream& out, bool verbose)
      : cardSpec_(cardSpec),
        runtimeSpec_(runtimeSpec),
        card_(card),
        rng_(rng),
        out_(out),
        verbose_(verbose) {}

  // Resets the card, then runs every step, going on after a failed step so that the scenario's
  // clean-up steps still run.
  void run(const Scenario& scenario);
  // Checks that the card's ATR carries the spec's historical bytes (atr_historical), as one
  // step: it tells a wrong reader or a wrong card apart from a wrong answer.
  void checkAtr();
  // Counts a failure that is not a step (an unreadable scenario file, for example).
  void fail(const std::string& what);

  size_t passed() const { return passed_; }
  size_t failed() const { return failed_; }
  // Lists, as warnings, the commands of both specs that no sent APDU matched.
  void reportCoverage() const;

  // Why `sw` is not documented for this command APDU (empty when it is).
  std::string undocumented(ByteView command, uint16_t sw);

 private:
  struct Exchange {
    Bytes data;
    uint16_t sw = 0;
  };
  // Sends one APDU, prints it in verbose mode, and checks the SW is documented.
  Result<Exchange> exchange(const Bytes& command, std::string& problems);
  std::string runSend(const Step& step, Variables& vars, uint16_t& lastSw);
  std::string runVerify(const Step& step, Variables& vars);
  // sign_purse / verify_purse: the e-money signed objects (protocol/purse/purse_records.hpp).
  std::string runPurseSignature(const Step& step, Variables& vars);
  // server_hello: the home server's half of a full handshake, for the access card's KEY
  // AGREEMENT (protocol/channel/server_hello_statement.hpp).
  std::string runServerHello(const Step& step, Variables& vars);
  void record(const Scenario& scenario, size_t index, const Step& step, const std::string& problems,
              const std::string& detail);

  const CardSpec& cardSpec_;
  const CardSpec& runtimeSpec_;
  CardUnderTest& card_;
  base::Rng& rng_;
  std::ostream& out_;
  bool verbose_;
  size_t passed_ = 0;
  size_t failed_ = 0;
  std::set<std::string> exercised_;  // "<card>/<command name>"
};

}  // namespace hp::conform
