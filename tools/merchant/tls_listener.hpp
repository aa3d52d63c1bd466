// The HTTPS side shared by the shop and the bank: a TLS 1.2 server (mbedTLS) on one address,
// client certificate required and verified against a CA file, sessions resumable by session ID
// (mbedtls_ssl_cache) and by RFC 5077 ticket (mbedtls_ssl_ticket) so the proxy facility's
// delegated sessions work, and minimal HTTP/1.1 on top. One thread per connection. Every request
// is answered through the handler with the peer's identity; a malformed one gets a JSON 4xx and
// the connection closes. Against floods (host/listen_guard): connections in their TLS handshake
// have their own pool (maxHandshakes, maxHandshakesPerSource) and a deadline for the whole
// handshake; authenticated ones (a verified client certificate) count against maxConnections;
// each request must arrive whole within requestTimeoutMs (no trickling); refusals and timeouts
// are logged once per kind and interval, then counted.
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

#include "base/result.hpp"
#include "host/listen_guard/accept_loop.hpp"
#include "tools/merchant/peer_identity.hpp"
#include "tools/merchant/server_http.hpp"

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
  size_t maxConnections = 32;  // connections past their TLS handshake
  size_t maxHandshakes = 32;   // connections in their TLS handshake, all sources
  size_t maxHandshakesPerSource = 4;
  uint32_t handshakeTimeoutMs = 10'000;  // from accept to the end of the TLS handshake
  // From the end of the previous response (or the handshake) to the end of the next request:
  // also how long an idle keep-alive connection stays.
  uint32_t requestTimeoutMs = 15'000;
  // A connection that sends nothing for this long is closed (it holds a thread).
  uint32_t idleTimeoutMs = 30'000;
  uint32_t refusalLogIntervalMs = 10'000;
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
  uint16_t port() const { return loop_.port(); }
  // Stops accepting, ends every open connection and joins all threads. Idempotent.
  void stop();

 private:
  struct Tls;
  TlsListener(const TlsServerOptions& options, RequestHandler handler, LogSink log);
  void serve(listen_guard::AcceptLoop::Connection& connection);

  TlsServerOptions options_;
  RequestHandler handler_;
  LogSink log_;
  std::unique_ptr<Tls> tls_;
  listen_guard::AcceptLoop loop_;  // last: its threads use the members above
};

}  // namespace hp::merchant
