// Relay mode: the home server makes the HTTPS request itself and returns the response, for
// terminals that cannot resume a session. It uses the same per-shop session as delegate mode:
// the request goes over a resumption of the cached session (no card signature when cached);
// if the shop refuses to resume, the session is dropped and one fresh handshake is tried.
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

// Parses an HTTP/1.x response (status line, headers, body; chunked bodies are decoded).
Result<RelayResponse> parseHttpResponse(std::string_view raw);

}  // namespace hp::home_server
