// The HTTPS side shared by the shop and the bank: a TLS 1.2 server (mbedTLS) on one address,
// client certificate required and verified against a CA file, sessions resumable by session ID
// (mbedtls_ssl_cache) and by RFC 5077 ticket (mbedtls_ssl_ticket) so the proxy facility's
// delegated sessions work, and minimal HTTP/1.1 on top. One thread per connection, at most
// maxConnections at once (more are closed at once). Every request is answered through the
// handler with the peer's identity; a malformed one gets a JSON 4xx and the connection closes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "http_message.hpp"
#include "peer_identity.hpp"
#include "result.hpp"

namespace hp::merchant {

struct TlsServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;     // 0: the kernel picks; read it back with port()
  std::string certFile;  // the server's chain (PEM)
  std::string keyFile;   // its private key (PEM)
  std::string caFile;    // CA(s) that issue client certificates
  bool sessionCache = true;
  bool tickets = true;
  // Session-cache entries and tickets live this long; 300 s as nginx's ssl_session_timeout and
  // the home server's delegated-session lifetime (tls_proxy DelegatedHandshakeRequest).
  uint32_t sessionLifetimeSeconds = 300;
  size_t maxConnections = 32;
  // A connection that sends nothing for this long is closed (it holds a thread).
  uint32_t idleTimeoutMs = 30'000;
  size_t maxBodyBytes = 64 * 1024;
  size_t maxRequestsPerConnection = 1000;
};

using RequestHandler = std::function<HttpResponse(const HttpRequest&, const PeerIdentity&)>;
using LogSink = std::function<void(std::string_view line)>;

class TlsListener {
 public:
  // Loads the certificate, key and CA, sets up cache and tickets; does not listen yet.
  static Result<std::unique_ptr<TlsListener>> create(const TlsServerOptions& options,
                                                     RequestHandler handler, LogSink log);
  ~TlsListener();
  TlsListener(const TlsListener&) = delete;
  TlsListener& operator=(const TlsListener&) = delete;

  Result<void> start();
  uint16_t port() const { return boundPort_; }
  // Stops accepting, ends every open connection and joins all threads. Idempotent.
  void stop();

 private:
  struct Tls;
  struct Connection {
    std::thread thread;
    int fd = -1;
    bool finished = false;
  };
  TlsListener(const TlsServerOptions& options, RequestHandler handler, LogSink log);
  void acceptLoop();
  void serve(Connection& connection);
  void reapFinished();
  size_t activeConnections() const;

  TlsServerOptions options_;
  RequestHandler handler_;
  LogSink log_;
  std::unique_ptr<Tls> tls_;
  int listenFd_ = -1;
  int wakePipe_[2] = {-1, -1};
  uint16_t boundPort_ = 0;
  std::thread acceptThread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::list<Connection> connections_;  // list: stable addresses for the threads
};

}  // namespace hp::merchant
