// The terminal's side of the channel handshake, as a state machine over byte strings.
//
// Full:    startFull(share) -> ClientHello;  <- ServerHello, <- Finished;  -> Finished.
// Resumed: startResume(ticket) -> ResumeHello;  <- ResumeAccept, <- Finished;  -> Finished.
// A server that refuses the ticket answers an Alert; the machine then waits in kResumeRefused
// and startFull() may follow on the same connection.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "identity.hpp"
#include "key_schedule.hpp"
#include "log.hpp"
#include "record_protector.hpp"
#include "rng.hpp"
#include "ticket_store.hpp"

namespace hp::channel {

struct ClientConfig {
  card::Clock* clock = nullptr;
  card::Rng* rng = nullptr;
  // The terminal never keeps a ticket longer than this, whatever the server announces.
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
  // Refused (state unchanged) when the ticket has already expired by the terminal's clock.
  Result<Bytes> startResume(const ClientTicket& ticket);
  // Consumes one handshake message from the server; returns the messages to send back.
  Result<std::vector<Bytes>> onMessage(ByteView message);

  State state() const { return state_; }
  bool established() const { return state_ == State::kEstablished; }
  bool resumed() const { return resumed_; }
  // The ticket issued by a full handshake (none after a resumption: the old one stays valid).
  const std::optional<ClientTicket>& ticket() const { return ticket_; }
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
  SecretBytes resumptionSecret_;  // of the ticket being resumed
  bool resumed_ = false;
  Bytes offeredTicketId_;
  Bytes newTicketId_;
  uint64_t newTicketLifetimeMs_ = 0;
  std::optional<ClientTicket> ticket_;
  std::optional<AlertCode> refusal_;
};

}  // namespace hp::channel
