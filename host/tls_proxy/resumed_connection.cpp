#include "host/tls_proxy/resumed_connection.hpp"

#include <mbedtls/ssl_ciphersuites.h>

#include <cstdlib>
#include <cstring>

#include "host/tls_proxy/ssl_client.hpp"
#include "host/tls_proxy/tls_error.hpp"

namespace hp::tls_proxy {

struct ResumedConnection::Impl {
  std::unique_ptr<ShopSocket> socket;
  std::unique_ptr<SslClient> client;
  int offeredSuites[2] = {0, 0};  // the config points at this list; it must live as long
  std::string what;
  size_t verifyCalls = 0;
  bool closed = false;
};

namespace {

// Any call means a certificate reached X.509 verification, i.e. the shop did a full handshake.
int countVerification(void* counter, mbedtls_x509_crt* /*crt*/, int /*depth*/,
                      uint32_t* /*flags*/) {
  ++*static_cast<size_t*>(counter);
  return 0;
}

// mbedtls_ssl_session_free zeroizes the struct and the ticket copy.
struct SessionImage {
  mbedtls_ssl_session session;
  SessionImage() { mbedtls_ssl_session_init(&session); }
  ~SessionImage() { mbedtls_ssl_session_free(&session); }
  SessionImage(const SessionImage&) = delete;
  SessionImage& operator=(const SessionImage&) = delete;
};

Result<void> fillSession(const SessionBlob& blob, mbedtls_ssl_session& session) {
  session.start = static_cast<mbedtls_time_t>(blob.createdUnix);
  session.ciphersuite = blob.ciphersuite;
  session.compression = MBEDTLS_SSL_COMPRESS_NULL;
  session.id_len = blob.sessionId.size();
  if (!blob.sessionId.empty()) {
    std::memcpy(session.id, blob.sessionId.data(), blob.sessionId.size());
  }
  std::memcpy(session.master, blob.masterSecret.data(), sizeof session.master);
  if (blob.hasTicket()) {
    session.ticket = static_cast<unsigned char*>(std::malloc(blob.ticket.size()));
    if (session.ticket == nullptr) return makeError("out of memory for the session ticket");
    std::memcpy(session.ticket, blob.ticket.data(), blob.ticket.size());
    session.ticket_len = blob.ticket.size();
    session.ticket_lifetime = blob.ticketLifetimeSeconds;
  }
  session.encrypt_then_mac =
      blob.encryptThenMac ? MBEDTLS_SSL_ETM_ENABLED : MBEDTLS_SSL_ETM_DISABLED;
  session.verify_result = 0;
  return {};
}

}  // namespace

ResumedConnection::ResumedConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ResumedConnection::~ResumedConnection() = default;

// Long on purpose (issue 11): the resumption in wire order, each setting next to its reason.
// NOLINTNEXTLINE(readability-function-size)
Result<std::unique_ptr<ResumedConnection>> ResumedConnection::open(const SessionBlob& blob,
                                                                   const ResumeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->what = "resuming with " + blob.host + ":" + std::to_string(blob.port);
  if (options.now() >= blob.expiresUnix) {
    return makeError(
        impl->what +
        ": the delegated session has expired; ask the home server for a fresh session");
  }
  if (blob.masterSecret.size() != SessionBlob::kMasterSecretSize ||
      (blob.sessionId.empty() && !blob.hasTicket())) {
    return makeError(impl->what + ": the session blob cannot be resumed");
  }
  if (mbedtls_ssl_ciphersuite_from_id(blob.ciphersuite) == nullptr) {
    return makeError(impl->what + ": ciphersuite " + std::to_string(blob.ciphersuite) +
                     " is not supported by this terminal");
  }

  auto client = SslClient::create(options.readTimeoutMs);
  if (!client) return client.error();
  impl->client = std::move(client.value());
  mbedtls_ssl_config& config = impl->client->config();
  // No CA chain with authmode required: if the shop answers with a full handshake, mbedTLS
  // cannot accept any certificate (MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED). We stop even earlier,
  // right after ServerHello, but this is the backstop.
  mbedtls_ssl_conf_authmode(&config, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_verify(&config, &countVerification, &impl->verifyCalls);
  // Servers (OpenSSL) abort a resumption whose ClientHello does not offer the session's suite,
  // or that changes the Extended Master Secret setting (RFC 7627, 5.3).
  impl->offeredSuites[0] = blob.ciphersuite;
  mbedtls_ssl_conf_ciphersuites(&config, impl->offeredSuites);
  mbedtls_ssl_conf_extended_master_secret(&config, blob.extendedMasterSecret
                                                       ? MBEDTLS_SSL_EXTENDED_MS_ENABLED
                                                       : MBEDTLS_SSL_EXTENDED_MS_DISABLED);
  mbedtls_ssl_conf_encrypt_then_mac(
      &config, blob.encryptThenMac ? MBEDTLS_SSL_ETM_ENABLED : MBEDTLS_SSL_ETM_DISABLED);
  mbedtls_ssl_conf_session_tickets(&config, blob.hasTicket()
                                                ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
  // A lean ClientHello: a resumption negotiates no key and checks no signature, so the lists
  // mbedTLS sends for a full handshake (every signature hash, every curve) serve nothing. It
  // refuses empty lists (MBEDTLS_ERR_SSL_BAD_CONFIG), so each gets one entry: about 30 bytes
  // less per resumption (docs/benchmarks.md). The session's suite and EMS stay as they were.
  static const int kOneHash[] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_NONE};
  static const mbedtls_ecp_group_id kOneCurve[] = {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE};
  mbedtls_ssl_conf_sig_hashes(&config, kOneHash);
  mbedtls_ssl_conf_curves(&config, kOneCurve);
  if (auto setup = impl->client->setup(); !setup) return setup.error();
  mbedtls_ssl_context& ssl = impl->client->ssl();
  // SNI as in the original handshake: servers may pick ticket keys or session caches by name.
  if (int rc = mbedtls_ssl_set_hostname(&ssl, blob.host.c_str()); rc != 0) {
    return tlsError(impl->what + ": host name", rc);
  }
  {
    SessionImage image;
    if (auto filled = fillSession(blob, image.session); !filled) return filled.error();
    if (int rc = mbedtls_ssl_set_session(&ssl, &image.session); rc != 0) {
      return tlsError(impl->what + ": loading the session", rc);
    }
  }

  auto socket = ShopSocket::connect(
      options.connectAddress.empty() ? blob.host : options.connectAddress, blob.port);
  if (!socket) return socket.error();
  impl->socket = std::move(socket.value());
  impl->socket->attach(ssl);

  // No public API says whether the shop accepted the session: step the handshake and look at the
  // state right after ServerHello. Resumed (RFC 5246, 7.3, abbreviated handshake): the server's
  // ChangeCipherSpec comes next. Otherwise the server sends its Certificate: a full handshake.
  ResumptionEvidence evidence;
  bool serverHelloDone = false;
  while (ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    const int stateBefore = ssl.state;
    if (int rc = mbedtls_ssl_handshake_step(&ssl); rc != 0) {
      return tlsError(impl->what, rc);
    }
    if (!serverHelloDone && stateBefore == MBEDTLS_SSL_SERVER_HELLO &&
        ssl.state != MBEDTLS_SSL_SERVER_HELLO) {
      serverHelloDone = true;
      evidence.resumed = ssl.state == MBEDTLS_SSL_SERVER_CHANGE_CIPHER_SPEC;
      if (!evidence.resumed) {
        // Tell the shop why we leave, and never continue into a full handshake.
        mbedtls_ssl_send_alert_message(&ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                       MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
        return makeError(impl->what +
                         ": shop refused to resume; ask the home server for a fresh session");
      }
    }
  }
  if (!evidence.resumed) return makeError(impl->what + ": handshake ended without resumption");

  evidence.clearHandshakeTypesSent = impl->socket->sent().clearHandshakeTypes();
  evidence.clearHandshakeTypesReceived = impl->socket->received().clearHandshakeTypes();
  evidence.certificateVerifications = impl->verifyCalls;
  evidence.peerCertificatePresent = mbedtls_ssl_get_peer_cert(&ssl) != nullptr;
  evidence.handshakeWire = impl->socket->stats();
  std::unique_ptr<ResumedConnection> connection(new ResumedConnection(std::move(impl)));
  connection->evidence_ = std::move(evidence);
  return connection;
}

Result<void> ResumedConnection::writeAll(ByteView data) {
  size_t written = 0;
  while (written < data.size()) {
    const int rc =
        mbedtls_ssl_write(&impl_->client->ssl(), data.data() + written, data.size() - written);
    if (rc < 0) return tlsError(impl_->what + ": sending", rc);
    written += static_cast<size_t>(rc);
  }
  return {};
}

Result<Bytes> ResumedConnection::readSome() {
  if (impl_->closed) return Bytes{};
  Bytes buffer(16 * 1024);
  const int rc = mbedtls_ssl_read(&impl_->client->ssl(), buffer.data(), buffer.size());
  if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
    impl_->closed = true;
    return Bytes{};
  }
  if (rc < 0) return tlsError(impl_->what + ": receiving", rc);
  buffer.resize(static_cast<size_t>(rc));
  return buffer;
}

Result<void> ResumedConnection::close() {
  if (impl_->closed) return {};
  impl_->closed = true;
  if (int rc = mbedtls_ssl_close_notify(&impl_->client->ssl()); rc != 0) {
    return tlsError(impl_->what + ": close_notify", rc);
  }
  return {};
}

bool ResumedConnection::idleAndOpen() const {
  if (impl_->closed) return false;
  if (mbedtls_ssl_get_bytes_avail(&impl_->client->ssl()) != 0) return false;
  return !impl_->socket->hasPendingInput();
}

WireStats ResumedConnection::wire() const {
  return impl_->socket->stats();
}

std::string ResumedConnection::ciphersuiteName() {
  return mbedtls_ssl_get_ciphersuite(&impl_->client->ssl());
}

}  // namespace hp::tls_proxy
