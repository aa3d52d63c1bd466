// The local admin channel: a unix socket (mode 0600, and the peer must be our own user or
// root, checked with SO_PEERCRED) carrying one RPC request and one response per connection,
// each a single line of JSON. Commands come from `home_server --admin SOCKET ...` and the PIN1
// among them never touches the network.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "host/home_server/core/server_log.hpp"
#include "protocol/rpc/dispatcher.hpp"

namespace hp::home_server {

inline constexpr size_t kMaxAdminLineBytes = 4096;

class AdminSocketServer {
 public:
  AdminSocketServer(std::string path, const protocol::rpc::Dispatcher& dispatcher, ServerLog& log);
  ~AdminSocketServer();
  AdminSocketServer(const AdminSocketServer&) = delete;
  AdminSocketServer& operator=(const AdminSocketServer&) = delete;

  // Refuses to take over a socket another live server answers on.
  Result<void> start();
  void stop();  // idempotent; removes the socket file

 private:
  void serveLoop();
  void serveOne(int fd);

  std::string path_;
  const protocol::rpc::Dispatcher& dispatcher_;
  ServerLog& log_;
  int listenFd_ = -1;
  int wakePipe_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;  // we created the socket file (and so remove it)
};

// Client side: sends one request, waits for the response (timeout in ms).
Result<protocol::rpc::Response> adminCall(const std::string& socketPath,
                                          const protocol::rpc::Request& request,
                                          int timeoutMs = 30'000);

}  // namespace hp::home_server
