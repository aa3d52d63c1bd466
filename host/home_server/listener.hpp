// Accepts terminals on TCP: one thread per connection, at most maxConnections at once (more
// are closed at once and logged). Each connection runs the control-channel handshake
// (channel::ServerHandshake), then RPC messages over the channel's records until the terminal
// closes. A refused handshake, a bad record or a silent peer ends that connection only.
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

#include "dispatcher.hpp"
#include "identity.hpp"
#include "replay_cache.hpp"
#include "rng.hpp"
#include "server_log.hpp"
#include "ticket_store.hpp"

namespace hp::home {

struct ListenerConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: the kernel picks; read it back with port()
  size_t maxConnections = 16;
  // A connection that sends nothing for this long is closed (it holds a thread).
  uint32_t idleTimeoutMs = 5 * 60 * 1000;
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
    int fd = -1;  // -1 once the connection thread is done with it
    bool finished = false;
    std::string terminalId;  // set once the channel is established
  };
  void acceptLoop();
  void serve(Connection& connection);
  void reapFinished();

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
};

}  // namespace hp::home
