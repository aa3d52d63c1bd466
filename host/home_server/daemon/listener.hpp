// Accepts terminals on TCP: one thread per connection. Each connection runs the control-channel
// handshake (channel::ServerHandshake), then RPC messages over the channel's records until the
// terminal closes. A refused handshake, a bad record or a silent peer ends that connection only.
// Against floods (listen_guard/connection_slots.hpp): connections in their handshake have their
// own small pool, a cap per source address and a deadline for the whole handshake, so idle or
// trickling strangers cannot take the slots of registered terminals (maxConnections); refused
// and timed-out connections are logged at most once per kind and interval, then summarized.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/rng.hpp"
#include "host/channel/identity.hpp"
#include "host/channel/replay_cache.hpp"
#include "host/channel/ticket_store.hpp"
#include "host/home_server/core/server_log.hpp"
#include "host/listen_guard/accept_loop.hpp"
#include "protocol/rpc/dispatcher.hpp"

namespace hp::home_server {

struct ListenerConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 0;           // 0: the kernel picks; read it back with port()
  size_t maxConnections = 16;  // terminals past their handshake
  // Connections still in their handshake: all together, and from one source address.
  size_t maxHandshakes = 32;
  size_t maxHandshakesPerSource = 4;
  // From accept to the end of the handshake; a peer still handshaking after this is closed.
  uint32_t handshakeTimeoutMs = 10'000;
  // A terminal that sends nothing for this long is closed (it holds a thread).
  uint32_t idleTimeoutMs = 5 * 60 * 1000;
  // Refusals and timeouts: one line per kind in this interval, then a count.
  uint32_t refusalLogIntervalMs = 10'000;
  channel::TerminalRegistry* registry = nullptr;
  channel::ServerSigner* signer = nullptr;  // called from several threads: must be thread-safe
  base::Clock* clock = nullptr;             // wall clock
  channel::ShareReplayCache* replayCache = nullptr;
  channel::ServerTicketStore* tickets = nullptr;
  // Called when a terminal's channel ends (the relay's warm connections for it are closed).
  std::function<void(const std::string& terminalId)> channelEnded;
  // One RNG per connection: an Rng is not shared between threads.
  std::function<Result<std::unique_ptr<base::Rng>>()> makeRng;
};

class Listener {
 public:
  Listener(ListenerConfig config, const protocol::rpc::Dispatcher& dispatcher, ServerLog& log);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  Result<void> start();
  uint16_t port() const { return loop_.port(); }
  // Stops accepting, ends every open connection and joins all threads. Idempotent.
  void stop();
  size_t activeConnections() const { return loop_.activeConnections(); }
  // Ends every open channel of this terminal (after a revocation); returns how many.
  size_t closeTerminal(const std::string& terminalId);
  size_t acceptedConnections() const { return loop_.acceptedConnections(); }

 private:
  void serve(listen_guard::AcceptLoop::Connection& connection);

  ListenerConfig config_;
  const protocol::rpc::Dispatcher& dispatcher_;
  ServerLog& log_;
  listen_guard::AcceptLoop loop_;  // last: its threads use the members above
};

}  // namespace hp::home_server
