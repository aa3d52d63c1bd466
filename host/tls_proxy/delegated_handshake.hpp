// Home side of proxy key exchange: the full TLS 1.2 handshake with the shop, in the user's place.
// Verifies the shop (trust store + host name), authenticates with the user's certificate through
// a ClientKeySigner (the home card), then exports the session as a SessionBlob for the terminal.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/shop_socket.hpp"
#include "host/tls_proxy/signer.hpp"

namespace hp::tls_proxy {

// Unix seconds; injectable so expiry is testable.
using UnixClock = std::function<int64_t()>;
int64_t systemUnixNow();

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
};

struct DelegatedSession {
  SessionBlob blob;
  WireStats wire;          // whole connection: handshake + close_notify
  size_t signerCalls = 0;  // signatures the home card made
  std::string ciphersuiteName;
};

Result<DelegatedSession> performDelegatedHandshake(const DelegatedHandshakeRequest& request,
                                                   ClientKeySigner& signer);

}  // namespace hp::tls_proxy
