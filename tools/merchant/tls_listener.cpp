#include "tools/merchant/tls_listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

#include "host/tls_proxy/tls_error.hpp"
#include "tools/merchant/json_http.hpp"
#include "tools/merchant/locked_rng.hpp"

namespace hp::merchant {

struct TlsListener::Tls {
  explicit Tls(std::unique_ptr<base::Rng> systemRng) : rng(std::move(systemRng)) {
    mbedtls_x509_crt_init(&ownChain);
    mbedtls_x509_crt_init(&caChain);
    mbedtls_pk_init(&ownKey);
    mbedtls_ssl_config_init(&config);
    mbedtls_ssl_cache_init(&cache);
    mbedtls_ssl_ticket_init(&ticket);
  }
  ~Tls() {
    mbedtls_ssl_ticket_free(&ticket);  // zeroizes the ticket keys
    mbedtls_ssl_cache_free(&cache);    // zeroizes the cached master secrets
    mbedtls_ssl_config_free(&config);
    mbedtls_pk_free(&ownKey);
    mbedtls_x509_crt_free(&caChain);
    mbedtls_x509_crt_free(&ownChain);
  }
  LockedRng rng;
  mbedtls_x509_crt ownChain;
  mbedtls_x509_crt caChain;
  mbedtls_pk_context ownKey;
  mbedtls_ssl_config config;
  mbedtls_ssl_cache_context cache;
  mbedtls_ssl_ticket_context ticket;
};

namespace {

using listen_guard::peerName;
using listen_guard::steadyNowMs;

listen_guard::AcceptOptions acceptOptions(const TlsServerOptions& options) {
  listen_guard::AcceptOptions accept;
  accept.address = options.address;
  accept.port = options.port;
  accept.backlog = 64;
  accept.limits.maxPending = options.maxHandshakes;
  accept.limits.maxPendingPerSource = options.maxHandshakesPerSource;
  accept.limits.maxEstablished = options.maxConnections;
  accept.limits.handshakeDeadlineMs = options.handshakeTimeoutMs;
  accept.sendTimeoutMs = options.idleTimeoutMs;
  // Responses are whole messages: no Nagle wait for the peer's delayed ACK.
  accept.noDelay = true;
  accept.refusalLogIntervalMs = options.refusalLogIntervalMs;
  accept.errorPrefix = "listen: ";
  return accept;
}

// Called for every certificate of the chain in a full handshake and never on resumption (the
// session's stored peer certificate is not re-verified): a count of 0 after the handshake means
// the session was resumed. It changes no verification result.
int countVerification(void* counter, mbedtls_x509_crt*, int, uint32_t*) {
  ++*static_cast<int*>(counter);
  return 0;
}

Result<void> writeAll(mbedtls_ssl_context& ssl, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    const int rc = mbedtls_ssl_write(
        &ssl, reinterpret_cast<const unsigned char*>(data.data()) + written, data.size() - written);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    if (rc <= 0) return tls_proxy::tlsError("sending the response", rc);
    written += static_cast<size_t>(rc);
  }
  return {};
}

std::string shortKey(const PeerIdentity& peer) {
  return peer.keyFingerprint.substr(0, 16);
}

}  // namespace

TlsListener::TlsListener(const TlsServerOptions& options, RequestHandler handler, LogSink log)
    : options_(options),
      handler_(std::move(handler)),
      log_(std::move(log)),
      loop_(
          acceptOptions(options_), [this](listen_guard::AcceptLoop::Connection& c) { serve(c); },
          [this](const std::string& line) { log_(line); },
          [this](const std::string& line) { log_(line); }) {}

TlsListener::~TlsListener() {
  stop();
}

Result<std::unique_ptr<TlsListener>> TlsListener::create(const TlsServerOptions& options,
                                                         RequestHandler handler, LogSink log) {
  auto systemRng = base::makeSystemRng();
  if (!systemRng) return systemRng.error();
  std::unique_ptr<TlsListener> listener(
      new TlsListener(options, std::move(handler), std::move(log)));
  listener->tls_ = std::make_unique<Tls>(std::move(*systemRng));
  Tls& t = *listener->tls_;
  if (int rc = mbedtls_x509_crt_parse_file(&t.ownChain, options.certFile.c_str()); rc != 0) {
    return tls_proxy::tlsError("server certificate " + options.certFile, rc);
  }
  if (int rc = mbedtls_pk_parse_keyfile(&t.ownKey, options.keyFile.c_str(), nullptr); rc != 0) {
    return tls_proxy::tlsError("server key " + options.keyFile, rc);
  }
  if (int rc = mbedtls_x509_crt_parse_file(&t.caChain, options.caFile.c_str()); rc != 0) {
    return tls_proxy::tlsError("client CA file " + options.caFile, rc);
  }
  if (int rc =
          mbedtls_ssl_config_defaults(&t.config, MBEDTLS_SSL_IS_SERVER,
                                      MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
      rc != 0) {
    return tls_proxy::tlsError("TLS configuration", rc);
  }
  // TLS 1.2 only: the proxy facility hands over TLS 1.2 sessions (docs/proxy-architecture.md).
  mbedtls_ssl_conf_min_version(&t.config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&t.config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_rng(&t.config, &base::Rng::mbedtlsCallback, &t.rng);
  mbedtls_ssl_conf_authmode(&t.config, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&t.config, &t.caChain, nullptr);
  if (int rc = mbedtls_ssl_conf_own_cert(&t.config, &t.ownChain, &t.ownKey); rc != 0) {
    return tls_proxy::tlsError("server certificate and key", rc);
  }
  mbedtls_ssl_conf_read_timeout(&t.config, options.idleTimeoutMs);
  // Both resumption paths keep the client certificate in the session (mbedTLS is built with
  // MBEDTLS_SSL_KEEP_PEER_CERTIFICATE, and tickets carry the serialized session), so a resumed
  // connection still names its user; tests/merchant checks it for both.
  if (options.sessionCache) {
    mbedtls_ssl_cache_set_timeout(&t.cache, static_cast<int>(options.sessionLifetimeSeconds));
    mbedtls_ssl_conf_session_cache(&t.config, &t.cache, mbedtls_ssl_cache_get,
                                   mbedtls_ssl_cache_set);
  }
  if (options.tickets) {
    if (int rc =
            mbedtls_ssl_ticket_setup(&t.ticket, &base::Rng::mbedtlsCallback, &t.rng,
                                     MBEDTLS_CIPHER_AES_256_GCM, options.sessionLifetimeSeconds);
        rc != 0) {
      return tls_proxy::tlsError("session tickets", rc);
    }
    mbedtls_ssl_conf_session_tickets_cb(&t.config, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &t.ticket);
  }
  return listener;
}

Result<void> TlsListener::start() {
  return loop_.start();
}

void TlsListener::stop() {
  loop_.stop();
}

// Long on purpose (issue 11): one connection's life in order, with its one cleanup path.
// NOLINTNEXTLINE(readability-function-size)
void TlsListener::serve(listen_guard::AcceptLoop::Connection& connection) {
  const std::string peer = peerName(connection.fd);
  mbedtls_net_context net;
  mbedtls_net_init(&net);
  net.fd = connection.fd;
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  // Runs once, whatever happens: the fd leaves the set stop() shuts down before it closes.
  auto finish = [&] {
    mbedtls_ssl_free(&ssl);                                     // zeroizes the session keys
    loop_.finish(connection, [&] { mbedtls_net_free(&net); });  // closes the fd
  };

  if (int rc = mbedtls_ssl_setup(&ssl, &tls_->config); rc != 0) {
    log_(peer + ": " + tls_proxy::tlsError("TLS setup", rc).message);
    finish();
    return;
  }
  mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, nullptr, mbedtls_net_recv_timeout);
  int verifications = 0;
  mbedtls_ssl_set_verify(&ssl, countVerification, &verifications);
  int rc = 0;
  while ((rc = mbedtls_ssl_handshake(&ssl)) != 0) {
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    if (loop_.timedOut(connection)) {
      loop_.refusals().note("handshake timeout", "connections closed (TLS handshake timeout)",
                            peer + ": closed: no TLS handshake within " +
                                std::to_string(options_.handshakeTimeoutMs) + " ms",
                            steadyNowMs());
      finish();
      return;
    }
    std::string why = tls_proxy::tlsError("handshake", rc).message;
    if (const uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
        flags != 0 && flags != static_cast<uint32_t>(-1)) {
      char text[512] = {};
      mbedtls_x509_crt_verify_info(text, sizeof text, "", flags);
      for (char& c : text) c = c == '\n' ? ';' : c;
      why.append(" (client certificate: ").append(text).append(")");
    }
    // Anyone can cause these: one line per interval, the rest counted.
    loop_.refusals().note("handshake failed", "connections refused (TLS handshake failed)",
                          std::string(peer).append(": ").append(why), steadyNowMs());
    finish();
    return;
  }
  const listen_guard::Refusal full =
      loop_.establish(connection, steadyNowMs() + options_.requestTimeoutMs);
  if (full != listen_guard::Refusal::kNone) {
    loop_.refusals().note("refused connection cap", "refused connections (connection cap)",
                          peer + ": refused: " + std::to_string(options_.maxConnections) +
                              " connections already open",
                          steadyNowMs());
    (void)mbedtls_ssl_close_notify(&ssl);
    finish();
    return;
  }
  const mbedtls_x509_crt* certificate = mbedtls_ssl_get_peer_cert(&ssl);
  auto identity = certificate ? describeCertificate(*certificate)
                              : Result<PeerIdentity>(makeError("no client certificate"));
  if (!identity) {
    log_(peer + ": refused: " + identity.error().message);
    (void)mbedtls_ssl_close_notify(&ssl);
    finish();
    return;
  }
  identity->resumed = verifications == 0;

  HttpRequestParser parser(options_.maxBodyBytes);
  size_t served = 0;
  unsigned char buffer[16 * 1024];
  bool open = true;
  while (open && !loop_.stopping()) {
    auto outcome = parser.next();
    if (outcome.error) {
      const HttpResponse response =
          errorResponse(outcome.error->status, "bad_request", outcome.error->message);
      log_(peer + " \"?\" " + std::to_string(response.status) + " key=" + shortKey(*identity) +
           " (" + outcome.error->message + ")");
      (void)writeAll(ssl, formatResponse(response, false));
      break;
    }
    if (outcome.request) {
      // Whole: the handler's own time is not the client's to answer for.
      loop_.setDeadline(connection, 0);
      const HttpRequest& request = *outcome.request;
      HttpResponse response;
      try {
        response = handler_(request, *identity);
      } catch (const std::exception& exception) {
        // No handler is meant to throw (errors are values); if one does, the client gets a 500
        // and the server goes on.
        log_(peer + ": handler failed: " + exception.what());
        response = errorResponse(500, "internal_error", "internal error");
      }
      ++served;
      const bool keepAlive = request.keepAlive() && served < options_.maxRequestsPerConnection;
      log_(peer + " \"" + request.method + " " + request.target + "\" " +
           std::to_string(response.status) + " " + std::to_string(response.body.size()) +
           " key=" + shortKey(*identity) + (identity->resumed ? " resumed" : " full-handshake"));
      const auto written = writeAll(ssl, formatResponse(response, keepAlive));
      open = written.ok() && keepAlive;
      // The next request has its own time to arrive whole.
      loop_.setDeadline(connection, steadyNowMs() + options_.requestTimeoutMs);
      continue;
    }
    const int n = mbedtls_ssl_read(&ssl, buffer, sizeof buffer);
    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    if (n <= 0 && loop_.timedOut(connection)) {
      loop_.refusals().note("request timeout", "connections closed (request timeout)",
                            peer + ": closed: no whole request within " +
                                std::to_string(options_.requestTimeoutMs) + " ms",
                            steadyNowMs());
      break;
    }
    if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) break;
    if (n < 0) {
      if (n != MBEDTLS_ERR_NET_CONN_RESET && n != MBEDTLS_ERR_SSL_TIMEOUT && !loop_.stopping()) {
        log_(peer + ": " + tls_proxy::tlsError("reading", n).message);
      }
      break;
    }
    parser.feed(std::string_view(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n)));
  }
  (void)mbedtls_ssl_close_notify(&ssl);
  finish();
}

}  // namespace hp::merchant
