// Accepts terminals on TCP: one thread per connection. Each connection runs the control-channel
// handshake (channel::ServerHandshake), then RPC messages over the channel's records until the
// terminal closes. A refused handshake, a bad record or a silent peer ends that connection only.
// Against floods (listen_guard/connection_slots.hpp): connections in their handshake have their
// own small pool, a cap per source address and a deadline for the whole handshake, so idle or
// trickling strangers cannot take the slots of registered terminals (maxConnections); refused
// and timed-out connections are logged at most once per kind and interval, then summarized.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "connection_slots.hpp"
#include "dispatcher.hpp"
#include "host/home_server/core/server_log.hpp"
#include "identity.hpp"
#include "rate_limited_log.hpp"
#include "replay_cache.hpp"
#include "rng.hpp"
#include "ticket_store.hpp"

namespace hp::home {

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
  card::Clock* clock = nullptr;             // wall clock
  channel::ShareReplayCache* replayCache = nullptr;
  channel::ServerTicketStore* tickets = nullptr;
  // One RNG per connection: an Rng is not shared between threads.
  std::function<Result<std::unique_ptr<card::Rng>>()> makeRng;
};

class Listener {
 public:
  Listener(ListenerConfig config, const rpc::Dispatcher& dispatcher, ServerLog& log);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  Result<void> start();
  uint16_t port() const { return boundPort_; }
  // Stops accepting, ends every open connection and joins all threads. Idempotent.
  void stop();
  size_t activeConnections() const;
  // Ends every open channel of this terminal (after a revocation); returns how many.
  size_t closeTerminal(const std::string& terminalId);
  size_t acceptedConnections() const { return accepted_.load(); }

 private:
  struct Connection {
    std::thread thread;
    uint64_t id = 0;  // in slots_
    int fd = -1;      // -1 once the connection thread is done with it
    bool finished = false;
    bool timedOut = false;   // closed by the handshake deadline
    std::string terminalId;  // set once the channel is established
  };
  void acceptLoop();
  void admit(int fd);
  void closeOverdue();
  void serve(Connection& connection);
  void reapFinished();
  uint64_t nowMs() const;

  ListenerConfig config_;
  const rpc::Dispatcher& dispatcher_;
  ServerLog& log_;
  int listenFd_ = -1;
  int wakePipe_[2] = {-1, -1};
  uint16_t boundPort_ = 0;
  std::thread acceptThread_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> accepted_{0};
  mutable std::mutex mutex_;
  std::list<Connection> connections_;  // list: stable addresses for the threads
  listen::ConnectionSlots slots_;      // guarded by mutex_
  uint64_t nextId_ = 1;                // guarded by mutex_
  listen::RateLimitedLog refusals_;
};

}  // namespace hp::home
