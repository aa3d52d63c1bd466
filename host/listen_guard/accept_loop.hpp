// The one TCP accept loop of the home server's channel listener and the merchants' TLS
// listener: bind and listen on an IPv4 address, accept on a thread that also closes handshakes
// past their deadline and writes suppressed-log summaries, admit each connection against the
// slots (connection_slots.hpp) or refuse it with a rate-limited log line, run one thread per
// admitted connection, reap finished ones, and on stop() wake and join them all. What runs on a
// connection (the channel handshake and RPC, or TLS and HTTP) is the owner's serve function.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.hpp"
#include "host/listen_guard/connection_slots.hpp"
#include "host/listen_guard/rate_limited_log.hpp"

namespace hp::listen_guard {

struct AcceptOptions {
  std::string address = "127.0.0.1";  // IPv4 literal
  uint16_t port = 0;                  // 0: the kernel picks; read it back with port()
  int backlog = 16;
  SlotLimits limits;
  uint32_t readTimeoutMs = 0;  // SO_RCVTIMEO on each connection; 0: none
  uint32_t sendTimeoutMs = 0;  // SO_SNDTIMEO; 0: none
  bool noDelay = false;        // TCP_NODELAY (whole-message answers)
  uint32_t refusalLogIntervalMs = 10'000;
  // Starts start()'s error messages ("listener: " or "listen: ").
  std::string errorPrefix = "listen: ";
};

// The peer's IPv4 address alone (the per-source cap counts by it), and with its port (logs).
std::string peerAddress(int fd);
std::string peerName(int fd);
uint64_t steadyNowMs();

class AcceptLoop {
 public:
  struct Connection {
    std::thread thread;
    uint64_t id = 0;  // in the slots
    int fd = -1;      // -1 once the connection thread is done with it
    bool finished = false;
    bool timedOut = false;  // closed by a deadline
    std::string tag;        // the owner's name for it (the home server: the terminal id)
  };
  using Serve = std::function<void(Connection&)>;
  using Sink = std::function<void(const std::string& line)>;

  // refusalLog: refusals and timeouts (rate-limited); errorLog: the loop's own failure.
  AcceptLoop(AcceptOptions options, Serve serve, Sink refusalLog, Sink errorLog);
  ~AcceptLoop();
  AcceptLoop(const AcceptLoop&) = delete;
  AcceptLoop& operator=(const AcceptLoop&) = delete;

  Result<void> start();
  uint16_t port() const { return boundPort_; }
  // Stops accepting, ends every open connection and joins all threads. Idempotent; true if it
  // was running.
  bool stop();
  size_t activeConnections() const;
  size_t acceptedConnections() const { return accepted_.load(); }
  bool stopping() const { return stopping_.load(); }

  // For serve(), on the connection's thread. Each takes the loop's lock.
  // The handshake succeeded: an established slot (with a deadline unless 0), or kEstablishedFull.
  Refusal establish(Connection& connection, uint64_t deadlineMs = 0);
  void setDeadline(Connection& connection, uint64_t deadlineMs);
  bool timedOut(const Connection& connection) const;
  void setTag(Connection& connection, std::string tag);
  // Once, at the end: closeFd closes the socket (under the lock, so stop() never shuts down a
  // reused descriptor), then the slot is released.
  void finish(Connection& connection, const std::function<void()>& closeFd);
  // Shuts down every open connection with this tag; returns how many.
  size_t closeTagged(const std::string& tag);
  RateLimitedLog& refusals() { return refusals_; }

 private:
  void run();
  void admit(int fd);
  void closeOverdue();
  void reapFinished();

  AcceptOptions options_;
  Serve serve_;
  Sink errorLog_;
  int listenFd_ = -1;
  int wakePipe_[2] = {-1, -1};
  uint16_t boundPort_ = 0;
  std::thread acceptThread_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> accepted_{0};
  mutable std::mutex mutex_;
  std::list<Connection> connections_;  // list: stable addresses for the threads
  ConnectionSlots slots_;              // guarded by mutex_
  uint64_t nextId_ = 1;                // guarded by mutex_
  RateLimitedLog refusals_;
};

}  // namespace hp::listen_guard
