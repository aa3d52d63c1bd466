// Relay mode: the home server makes the HTTPS request itself and returns the response, for
// terminals that cannot resume a session. It uses the same per-shop session as delegate mode:
// the request goes over a resumption of the cached session (no card signature when cached);
// if the shop refuses to resume, the session is dropped and one fresh handshake is tried.
// A terminal's GET (RelayRequest::keepFor) goes over HTTP/1.1 keep-alive, and the connection is
// kept warm for that terminal's next GET to the shop (warm_pool.hpp): no connect, no handshake.
// A kept connection the shop closed meanwhile is noticed before sending, or by a failed write or
// a read that ends before any response byte; then the GET is sent once more over a fresh
// resumption. POSTs (not idempotent) always take a fresh connection and "Connection: close".
#pragma once

#include <map>
#include <string>

#include "host/home_server/sessions/relay_policy.hpp"
#include "host/home_server/sessions/session_manager.hpp"

namespace hp::home_server {

struct RelayRequest {
  ShopUrl url;
  std::string method = "GET";  // GET | POST
  Bytes body;
  std::string contentType;  // sent when not empty (the bank's JSON API)
  // The terminal the request is made for: its warm connection to the shop is used and kept
  // (GET only). Empty (the purse's own requests): one connection per request.
  std::string keepFor;
};

struct RelayResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; repeats joined with ", "
  Bytes body;
};

struct RelayOptions {
  std::string connectAddress;  // tests: "127.0.0.1"
  // Where the relay may connect (checked again for every connection); null: anywhere.
  const RelayPolicy* policy = nullptr;
  uint32_t readTimeoutMs = 10'000;
  // Bounds what one relay can make us hold; base64 of this still fits in one RPC message.
  size_t maxResponseBytes = 512 * 1024;
  tls_proxy::UnixClock now = tls_proxy::systemUnixNow;
};

Result<RelayResponse> relayRequest(SessionManager& sessions, const RelayRequest& request,
                                   const RelayOptions& options);

// Opens `owner`'s warm connection to the shop by resuming `encodedBlob` (the owner's own session,
// just handed out by session.open: no card signature), in the pool's background thread. Nothing
// happens if one is kept already or an authority ends meanwhile.
void prewarmRelay(SessionManager& sessions, const std::string& owner, const ShopUrl& shop,
                  const SecretBytes& encodedBlob, bool freshSession, const RelayOptions& options);

// Parses an HTTP/1.x response (status line, headers, body; chunked bodies are decoded).
Result<RelayResponse> parseHttpResponse(std::string_view raw);

}  // namespace hp::home_server
