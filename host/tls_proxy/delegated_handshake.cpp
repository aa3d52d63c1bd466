#include "host/tls_proxy/delegated_handshake.hpp"

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "host/tls_proxy/external_key.hpp"
#include "host/tls_proxy/ssl_client.hpp"
#include "host/tls_proxy/tls_error.hpp"

namespace hp::tls_proxy {

int64_t systemUnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

struct CaChain {
  mbedtls_x509_crt chain;
  CaChain() { mbedtls_x509_crt_init(&chain); }
  ~CaChain() { mbedtls_x509_crt_free(&chain); }
  CaChain(const CaChain&) = delete;
  CaChain& operator=(const CaChain&) = delete;
};

// mbedtls_ssl_session_free zeroizes the whole struct, master secret included.
struct SessionCopy {
  mbedtls_ssl_session session;
  SessionCopy() { mbedtls_ssl_session_init(&session); }
  ~SessionCopy() { mbedtls_ssl_session_free(&session); }
  SessionCopy(const SessionCopy&) = delete;
  SessionCopy& operator=(const SessionCopy&) = delete;
};

// A shop stores a session-id session only after it sent its Finished (mbedTLS: handshake
// wrap-up; OpenSSL likewise): a terminal resuming the hand-out at once could ask before the
// shop's session cache has it and be refused (seen in emoney_chaos: a fresh session refused on a
// loaded machine). A shop that reads our close_notify is past its handshake, session stored, so
// wait for its close, bounded, and only for session ids (a ticket carries the session itself). A
// shop that never closes costs kCloseWaitMs, then the hand-out goes anyway. To keep the wait off
// the critical path, the close_notify leaves right behind our Finished (handshakeClosingEarly):
// the shop reads it as soon as it has sent its Finished and stored the session, so its close
// comes just behind its Finished instead of one round trip later.
constexpr uint32_t kCloseWaitMs = 1000;

// Returns the microseconds waited.
uint32_t awaitShopClose(mbedtls_ssl_context& ssl, mbedtls_ssl_config& config) {
  mbedtls_ssl_conf_read_timeout(&config, kCloseWaitMs);
  unsigned char sink[256];
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(kCloseWaitMs);
  while (std::chrono::steady_clock::now() < deadline) {
    const int rc = mbedtls_ssl_read(&ssl, sink, sizeof sink);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc > 0) continue;
    break;  // closed (0, close_notify, EOF) or reset: past its handshake; or timed out
  }
  mbedtls_platform_zeroize(sink, sizeof sink);
  return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
}

// mbedtls_ssl_handshake, step by step: on the session-id path (after our Finished the shop's
// ChangeCipherSpec is next, no NewSessionTicket announced) our close_notify goes out at once,
// under the keys our Finished used (RFC 5246 7.2.1: either side may close at any time). The
// shop's Finished is still read and checked before the handshake counts as done.
int handshakeClosingEarly(mbedtls_ssl_context& ssl, bool& closeSent) {
  closeSent = false;
  while (ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    const int before = ssl.state;
    if (int rc = mbedtls_ssl_handshake_step(&ssl); rc != 0) return rc;
    if (before == MBEDTLS_SSL_CLIENT_FINISHED &&
        ssl.state == MBEDTLS_SSL_SERVER_CHANGE_CIPHER_SPEC) {
      if (int rc = mbedtls_ssl_send_alert_message(&ssl, MBEDTLS_SSL_ALERT_LEVEL_WARNING,
                                                  MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY);
          rc != 0) {
        return rc;
      }
      closeSent = true;
    }
  }
  return 0;
}

// The leaf the shop presented, taken by the chain check's callback at depth 0.
struct LeafSeen {
  CertificateSha256 sha256{};
  bool seen = false;
};

int recordLeaf(void* context, mbedtls_x509_crt* crt, int depth, uint32_t* /*flags*/) {
  if (depth != 0) return 0;  // leaves mbedTLS's verdict (the flags) alone
  auto* leaf = static_cast<LeafSeen*>(context);
  leaf->seen = mbedtls_sha256_ret(crt->raw.p, crt->raw.len, leaf->sha256.data(), 0) == 0;
  return 0;
}

// A failed handshake: with VERIFY_REQUIRED mbedTLS checks the shop's chain and host name while
// parsing its Certificate and stops there if they fail, so a signer that was asked to sign
// proves they verified; a verification failure says they did not.
void judgeFailedHandshake(const DelegatedHandshakeRequest& request, const LeafSeen& leaf,
                          bool signerAsked, int rc) {
  if (!request.certificateJudged) return;
  if (signerAsked && leaf.seen) {
    request.certificateJudged(leaf.sha256);
  } else if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    request.certificateJudged(std::nullopt);
  }
}

}  // namespace

// Long on purpose (issue 11): the handshake in wire order, each setting next to its RFC.
// NOLINTNEXTLINE(readability-function-size)
Result<DelegatedSession> performDelegatedHandshake(const DelegatedHandshakeRequest& request,
                                                   ClientKeySigner& signer) {
  const std::string what = "handshake with " + request.host + ":" + std::to_string(request.port);
  CaChain trustStore;
  if (int rc = mbedtls_x509_crt_parse_file(&trustStore.chain, request.caFile.c_str()); rc != 0) {
    return tlsError("reading trust store " + request.caFile, rc);
  }
  auto key = ExternalKey::create(signer);
  if (!key) return key.error();
  auto client = SslClient::create(request.readTimeoutMs);
  if (!client) return client.error();
  mbedtls_ssl_config& config = (*client)->config();
  mbedtls_ssl_conf_authmode(&config, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&config, &trustStore.chain, nullptr);
  if (int rc = mbedtls_ssl_conf_own_cert(&config, (*key)->certificate(), (*key)->pk()); rc != 0) {
    return tlsError("client certificate", rc);
  }
  mbedtls_ssl_conf_session_tickets(&config, request.offerTickets
                                                ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
  // RFC 7627: without EMS a resumed session can be synchronised across two connections
  // (triple handshake); the terminal resumes with the same setting.
  mbedtls_ssl_conf_extended_master_secret(&config, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
  if (auto setup = (*client)->setup(); !setup) return setup.error();
  mbedtls_ssl_context& ssl = (*client)->ssl();
  // Sets SNI and the name the shop's certificate must carry.
  if (int rc = mbedtls_ssl_set_hostname(&ssl, request.host.c_str()); rc != 0) {
    return tlsError("shop host name", rc);
  }
  LeafSeen seenLeaf;
  mbedtls_ssl_set_verify(&ssl, recordLeaf, &seenLeaf);

  const std::string address =
      request.connectAddress.empty() ? request.host : request.connectAddress;
  auto socket = ShopSocket::connect(address, request.port);
  if (!socket) return socket.error();
  (*socket)->attach(ssl);

  bool closeSent = false;
  if (int rc = handshakeClosingEarly(ssl, closeSent); rc != 0) {
    judgeFailedHandshake(request, seenLeaf, (*key)->signerCalls() > 0, rc);
    if (!(*key)->lastSignerError().empty()) {
      return makeError(what + ": the client key signer failed: " + (*key)->lastSignerError());
    }
    return handshakeError(what, rc, mbedtls_ssl_get_verify_result(&ssl), request.host);
  }

  DelegatedSession result;
  SessionCopy exported;
  if (int rc = mbedtls_ssl_get_session(&ssl, &exported.session); rc != 0) {
    return tlsError(what + ": exporting the session", rc);
  }
  const mbedtls_ssl_session& session = exported.session;
  SessionBlob& blob = result.blob;
  blob.ciphersuite = static_cast<uint16_t>(session.ciphersuite);
  blob.masterSecret = SecretBytes(ByteView(session.master, sizeof session.master));
  blob.sessionId.assign(session.id, session.id + session.id_len);
  if (session.ticket != nullptr) {
    blob.ticket.assign(session.ticket, session.ticket + session.ticket_len);
  }
  blob.ticketLifetimeSeconds = session.ticket_lifetime;
  blob.encryptThenMac = session.encrypt_then_mac == MBEDTLS_SSL_ETM_ENABLED;
  // mbedTLS 2.28 keeps the EMS outcome in private handshake state; the ServerHello on the wire
  // says it just as well.
  const auto extensions = serverHelloExtensions((*socket)->received().serverHelloBody());
  if (!extensions) return makeError(what + ": could not read the shop's ServerHello");
  blob.extendedMasterSecret = std::find(extensions->begin(), extensions->end(),
                                        kExtensionExtendedMasterSecret) != extensions->end();
  blob.host = request.host;
  blob.port = request.port;
  const mbedtls_x509_crt* leaf = mbedtls_ssl_get_peer_cert(&ssl);
  if (leaf == nullptr) return makeError(what + ": no shop certificate after the handshake");
  if (int rc = mbedtls_sha256_ret(leaf->raw.p, leaf->raw.len, blob.shopCertificateSha256.data(), 0);
      rc != 0) {
    return tlsError(what + ": hashing the shop certificate", rc);
  }
  if (request.certificateJudged) request.certificateJudged(blob.shopCertificateSha256);
  blob.createdUnix = request.now();
  uint32_t lifetime = request.maxLifetimeSeconds;
  if (blob.hasTicket() && blob.ticketLifetimeSeconds != 0) {
    lifetime = std::min(lifetime, blob.ticketLifetimeSeconds);
  }
  blob.expiresUnix = blob.createdUnix + std::max<uint32_t>(lifetime, 1);
  result.ciphersuiteName = mbedtls_ssl_get_ciphersuite(&ssl);

  // The session stays valid at the shop after a clean close (RFC 5246, 7.2.1).
  if (!closeSent) {
    if (int rc = mbedtls_ssl_close_notify(&ssl); rc != 0)
      return tlsError(what + ": close_notify", rc);
  }
  if (!blob.hasTicket()) result.closeWaitMicros = awaitShopClose(ssl, (*client)->config());
  result.wire = (*socket)->stats();
  result.signerCalls = (*key)->signerCalls();
  return result;
}

}  // namespace hp::tls_proxy
