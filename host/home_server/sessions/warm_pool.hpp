// Warm relay connections (issue 12): after a relayed request the home server keeps the TLS
// connection to the shop open (HTTP/1.1 keep-alive), so the next relayed request to that shop
// costs no TCP connect and no resumption, i.e. none of the three round trips on the home
// server's link. Kept per (terminal, shop), never shared between terminals (a connection is one
// terminal's; docs/proxy-architecture.md, "Warm relay connections"). Bounded: an idle limit
// (the shops close theirs anyway), a cap (the oldest goes), and every connection of a terminal
// goes when its authority ends (SessionManager::dropOwner calls dropOwner here). Thread-safe:
// a connection is taken out while in use, so two requests never share one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "host/home_server/core/server_log.hpp"
#include "host/tls_proxy/resumed_connection.hpp"

namespace hp::home_server {

struct WarmPoolConfig {
  std::chrono::milliseconds idleLimit{30'000};
  size_t maxConnections = 64;
  size_t maxQueuedOpens = 64;  // background opens waiting (session.open "warm"); more are dropped
  // Look for the shop's close before handing a connection out. Tests turn it off to reach the
  // relay's fallback for a close that races the request (sent, then EOF before any answer).
  bool probeBeforeReuse = true;
};

class WarmPool {
 public:
  using Connection = std::unique_ptr<tls_proxy::ResumedConnection>;
  using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

  explicit WarmPool(ServerLog& log, WarmPoolConfig config = {}, SteadyClock now = nullptr);
  ~WarmPool();  // waits for a background open in progress, closes every connection
  WarmPool(const WarmPool&) = delete;
  WarmPool& operator=(const WarmPool&) = delete;

  // The owner's idle connection to the shop, if one is kept, still within the idle limit and not
  // closed by the shop meanwhile (checked without blocking); it leaves the pool.
  Connection take(const std::string& owner, const std::string& shopKey);
  // Keeps a connection after a complete keep-alive exchange, unless an authority ended since
  // `ticket` (from ticket(), taken before the connection was taken or opened).
  void put(const std::string& owner, const std::string& shopKey, Connection connection,
           uint64_t ticket);
  uint64_t ticket() const;
  bool holds(const std::string& owner, const std::string& shopKey) const;
  // Runs `open` on the pool's one background thread (started on first use), so session.open
  // answers without waiting for the shop; false if too many are queued.
  bool inBackground(std::function<void()> open);
  // A background open that failed (logged; the first relayed GET then resumes as before).
  void noteFailure(const std::string& owner, const std::string& shopKey, const std::string& why);
  // Waits until no background open is queued or running (tests).
  void waitIdle();
  // Closes the owner's / everyone's connections; how many went.
  size_t dropOwner(const std::string& owner);
  size_t dropAll();
  size_t size() const;
  // Requests served on a kept connection so far (tests, diagnostics).
  size_t reuses() const;

 private:
  struct Entry {
    Connection connection;
    std::chrono::steady_clock::time_point idleSince;
  };
  static std::string key(const std::string& owner, const std::string& shopKey);
  void dropExpired();  // under mutex_
  static void closeQuietly(Connection& connection);

  ServerLog& log_;
  WarmPoolConfig config_;
  SteadyClock now_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // key(owner, shop)
  uint64_t epoch_ = 0;                    // bumped by dropOwner/dropAll
  size_t reuses_ = 0;
  void work();
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_
  bool stopping_ = false;
  bool busy_ = false;
  std::condition_variable changed_;
  std::thread worker_;
};

}  // namespace hp::home_server
