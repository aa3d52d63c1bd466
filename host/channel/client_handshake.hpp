// The terminal's side of the channel handshake, as a state machine over byte strings.
//
// Full:    startFull(share) -> ClientHello;  <- ServerHello, <- Finished;  -> Finished.
// Resumed: startResume() -> ResumeHello;  <- ResumeAccept, <- Finished;  -> Finished.
// A server that refuses the ticket answers an Alert; the machine then waits in kResumeRefused
// and startFull() may follow on the same connection. The ticket and the key schedule's inputs
// live in the TerminalKeyAgent (the access card): this machine only ever holds the keys of its
// own connection.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/rng.hpp"
#include "host/channel/identity.hpp"
#include "host/channel/key_schedule.hpp"
#include "host/channel/log.hpp"
#include "host/channel/record_protector.hpp"

namespace hp::channel {

struct ClientConfig {
  base::Clock* clock = nullptr;
  base::Rng* rng = nullptr;
  // The terminal never keeps a ticket longer than this, whatever the server announces (the
  // access card caps it at 12 h too).
  uint64_t maxTicketLifetimeMs = 12ull * 3600 * 1000;
  LogSink log;
};

class ClientHandshake {
 public:
  enum class State {
    kIdle,
    kWaitServerHello,
    kWaitResumeAccept,
    kWaitServerFinished,
    kResumeRefused,
    kEstablished,
    kFailed,
  };

  ClientHandshake(ClientConfig config, TerminalKeyAgent& agent);

  Result<Bytes> startFull(const SignedShare& share);
  // Asks the agent for its ticket and a fresh point. Refused (state unchanged) when the agent
  // holds no live ticket: then startFull().
  Result<Bytes> startResume();
  // Consumes one handshake message from the server; returns the messages to send back.
  Result<std::vector<Bytes>> onMessage(ByteView message);

  State state() const { return state_; }
  bool established() const { return state_ == State::kEstablished; }
  bool resumed() const { return resumed_; }
  std::optional<AlertCode> refusal() const { return refusal_; }
  // Moves the traffic keys into a record protector (once, when established) and wipes them here.
  Result<std::unique_ptr<RecordProtector>> takeRecordProtector();

  static const char* stateName(State state);

 private:
  Result<std::vector<Bytes>> onServerHello(ByteView message);
  Result<std::vector<Bytes>> onResumeAccept(ByteView message);
  Result<std::vector<Bytes>> onServerFinished(ByteView message);
  Error onAlert(ByteView message);
  Error fail(const std::string& why);
  void setState(State next);

  ClientConfig config_;
  TerminalKeyAgent& agent_;
  State state_ = State::kIdle;
  Transcript transcript_;
  SessionKeys keys_;
  bool resumed_ = false;
  std::optional<AlertCode> refusal_;
};

}  // namespace hp::channel
