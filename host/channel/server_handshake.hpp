// The home server's side of the channel handshake, as a state machine over byte strings.
//
// Full:    <- ClientHello;  -> ServerHello, -> Finished;  <- Finished.
// Resumed: <- ResumeHello;  -> ResumeAccept, -> Finished;  <- Finished  (PSK + ECDHE; the
//          ticket is used up on lookup, the next one is stored after the terminal's Finished).
// Every refusal produces an Alert (alertMessage()) for the terminal. A refused ticket leaves
// the machine waiting for a ClientHello on the same connection (the terminal's fall-back);
// every other refusal is final.
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
#include "host/channel/replay_cache.hpp"
#include "host/channel/ticket_store.hpp"

namespace hp::channel {

struct ServerConfig {
  TerminalRegistry* registry = nullptr;
  ServerSigner* signer = nullptr;
  base::Clock* clock = nullptr;  // wall clock (shares carry wall-clock times)
  base::Rng* rng = nullptr;
  ShareReplayCache* replayCache = nullptr;  // shared by all connections of the server
  ServerTicketStore* tickets = nullptr;     // shared by all connections of the server
  uint64_t ticketLifetimeMs = 12ull * 3600 * 1000;
  // A share valid for longer is refused: it bounds how long a replay-cache entry lives.
  uint64_t maxShareLifetimeMs = 24ull * 3600 * 1000;
  // How far in the future a share's creation time may lie (terminal clock ahead of ours).
  uint64_t maxClockSkewMs = 5ull * 60 * 1000;
  LogSink log;
};

class ServerHandshake {
 public:
  enum class State { kWaitHello, kWaitClientFinished, kEstablished, kFailed };

  explicit ServerHandshake(ServerConfig config) : config_(std::move(config)) {}

  // Consumes one handshake message from the terminal; returns the messages to send back.
  Result<std::vector<Bytes>> onMessage(ByteView message);

  State state() const { return state_; }
  bool established() const { return state_ == State::kEstablished; }
  bool resumed() const { return resumed_; }
  // The authenticated terminal (set once a hello has been accepted).
  const std::string& terminalId() const { return terminalId_; }
  // The Alert to send after a refusal, if any.
  const std::optional<Bytes>& alertMessage() const { return alert_; }
  Result<std::unique_ptr<RecordProtector>> takeRecordProtector();

  static const char* stateName(State state);

 private:
  Result<std::vector<Bytes>> onClientHello(ByteView message);
  Result<std::vector<Bytes>> onResumeHello(ByteView message);
  Result<std::vector<Bytes>> onClientFinished(ByteView message);
  Result<std::vector<Bytes>> finishServerFlight(Bytes firstMessage);
  Error refuse(AlertCode code, const std::string& why);
  // Unknown, revoked or a bad share signature: one alert for all, the reason only in the log.
  Error refuseTerminal(const std::string& why);
  void setState(State next);

  ServerConfig config_;
  State state_ = State::kWaitHello;
  Transcript transcript_;
  SessionKeys keys_;
  std::string terminalId_;
  Bytes ticketId_;
  bool resumed_ = false;
  bool ticketRefused_ = false;
  std::optional<Bytes> alert_;
};

}  // namespace hp::channel
