// Home side of proxy key exchange: the full TLS 1.2 handshake with the shop, in the user's place.
// Verifies the shop (trust store + host name), authenticates with the user's certificate through
// a ClientKeySigner (the home card), then exports the session as a SessionBlob for the terminal.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/shop_socket.hpp"
#include "host/tls_proxy/signer.hpp"

namespace hp::tls_proxy {

// Unix seconds; injectable so expiry is testable.
using UnixClock = std::function<int64_t()>;
int64_t systemUnixNow();

// SHA-256 of a certificate's DER (the shop's leaf).
using CertificateSha256 = std::array<uint8_t, 32>;
// What a handshake learnt of the shop's certificate (the home server's shop-check cache,
// host/home_server/sessions/shop_check.hpp): the leaf's SHA-256 once the chain and host name
// verified, also when the client signature then failed (mbedTLS verifies before the client
// signs); nullopt when they did not verify. Not called when no certificate was judged (no
// connection, a handshake broken before the shop's Certificate).
using CertificateJudged = std::function<void(const std::optional<CertificateSha256>& verified)>;

struct DelegatedHandshakeRequest {
  std::string host;  // shop host name: SNI, certificate check, stored in the blob
  uint16_t port = 443;
  std::string caFile;          // PEM trust store for the shop's chain
  std::string connectAddress;  // where to connect if not `host` (tests: "127.0.0.1")
  bool offerTickets = true;    // RFC 5077; off = session-id resumption only
  // The blob never outlives this, nor the shop's ticket lifetime hint. 300 s mirrors common
  // server session-cache defaults (nginx ssl_session_timeout 5m).
  uint32_t maxLifetimeSeconds = 300;
  uint32_t readTimeoutMs = 10'000;
  UnixClock now = systemUnixNow;
  CertificateJudged certificateJudged;  // optional
};

struct DelegatedSession {
  SessionBlob blob;
  WireStats wire;          // whole connection: handshake + close_notify
  size_t signerCalls = 0;  // signatures the home card made
  // Time spent after our close_notify waiting for the shop's close (session ids only; see
  // awaitShopClose in the .cpp): about one round trip to the shop.
  uint32_t closeWaitMicros = 0;
  std::string ciphersuiteName;
};

Result<DelegatedSession> performDelegatedHandshake(const DelegatedHandshakeRequest& request,
                                                   ClientKeySigner& signer);

}  // namespace hp::tls_proxy
