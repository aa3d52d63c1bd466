#include "host/home_server/sessions/relay.hpp"

#include <chrono>
#include <thread>

#include "host/tls_proxy/resumed_connection.hpp"
#include "protocol/http/http_message.hpp"

namespace hp::home_server {

namespace {

// `resumed` tells a refused resumption (nothing was sent) from a failure after it.
Result<std::string> exchange(const tls_proxy::SessionBlob& blob, const RelayRequest& request,
                             const RelayOptions& options, bool& resumed) {
  tls_proxy::ResumeOptions resume;
  resume.connectAddress = options.connectAddress;
  if (options.policy) {
    // The address the policy checked is the one connected to (no second resolution).
    auto address = options.policy->connectAddress(blob.host, blob.port, options.connectAddress);
    if (!address) return address.error();
    resume.connectAddress = *address;
  }
  resume.readTimeoutMs = options.readTimeoutMs;
  resume.now = options.now;
  auto connection = tls_proxy::ResumedConnection::open(blob, resume);
  if (!connection) return connection.error();
  resumed = true;
  std::string host = request.url.host;
  if (request.url.port != 443) host += ":" + std::to_string(request.url.port);
  std::string head = request.method + " " + request.url.path + " HTTP/1.1\r\nHost: " + host +
                     "\r\nConnection: close\r\n";
  if (request.method == "POST")
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  if (!request.contentType.empty()) head += "Content-Type: " + request.contentType + "\r\n";
  head += "\r\n";
  Bytes wire = bytesOf(head);
  append(wire, request.body);
  if (auto sent = (*connection)->writeAll(wire); !sent) return sent.error();
  std::string raw;
  while (true) {
    auto chunk = (*connection)->readSome();
    if (!chunk) {
      if (!raw.empty()) break;  // some shops end without close_notify after Connection: close
      return chunk.error();
    }
    if (chunk->empty()) break;
    raw.append(chunk->begin(), chunk->end());
    if (raw.size() > options.maxResponseBytes) {
      return makeError("the shop's response exceeds " + std::to_string(options.maxResponseBytes) +
                       " bytes");
    }
  }
  (void)(*connection)->close();
  return raw;
}

}  // namespace

// protocol/http, the parser the terminal and the merchant servers use as well.
Result<RelayResponse> parseHttpResponse(std::string_view raw) {
  auto parsed = protocol::http::parseResponse(raw);
  if (!parsed) return parsed.error();
  RelayResponse response;
  response.status = parsed->status;
  response.headers = std::move(parsed->headers);
  response.body.assign(parsed->body.begin(), parsed->body.end());
  return response;
}

Result<RelayResponse> relayRequest(SessionManager& sessions, const RelayRequest& request,
                                   const RelayOptions& options) {
  bool waitedForFresh = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto opened = sessions.open(request.url);
    if (!opened) return opened.error();
    auto blob = tls_proxy::decodeSessionBlob(opened->encodedBlob.view());
    if (!blob) return blob.error();
    bool resumed = false;
    auto raw = exchange(blob.value(), request, options, resumed);
    if (raw) return parseHttpResponse(*raw);
    if (!opened->cached && !resumed && !waitedForFresh) {
      // A session made a moment ago: an mbedTLS server files it in its session cache only
      // after its Finished (tools/shop_server/README.md), so a resumption right away can miss
      // it. Nothing was sent; the same session once more after a pause.
      waitedForFresh = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      --attempt;
      continue;
    }
    // A refused resumption of a cached session: the shop forgot it. Once, fresh.
    if (!opened->cached || attempt == 1) return raw.error();
    sessions.drop(request.url.shopKey());
  }
  return makeError("relay: unreachable");
}

}  // namespace hp::home_server
