#include "host/home_server/sessions/relay.hpp"

#include <chrono>
#include <thread>

#include "host/tls_proxy/resumed_connection.hpp"
#include "protocol/http/http_message.hpp"

namespace hp::home_server {

namespace {

using Connection = WarmPool::Connection;

// A relayed exchange: what the shop answered, and whether the connection may carry another.
struct Exchanged {
  std::string raw;
  bool reusable = false;
};

Result<Connection> openConnection(const tls_proxy::SessionBlob& blob, const RelayOptions& options) {
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
  return std::move(connection.value());
}

Bytes requestBytes(const RelayRequest& request, bool keepAlive) {
  std::string host = request.url.host;
  if (request.url.port != 443) host += ":" + std::to_string(request.url.port);
  std::string head = request.method + " " + request.url.path + " HTTP/1.1\r\nHost: " + host +
                     (keepAlive ? "\r\n" : "\r\nConnection: close\r\n");
  if (request.method == "POST")
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  if (!request.contentType.empty()) head += "Content-Type: " + request.contentType + "\r\n";
  head += "\r\n";
  Bytes wire = bytesOf(head);
  append(wire, request.body);
  return wire;
}

// Keep-alive ends with an HTTP/1.0 answer or a "Connection: close" (RFC 9112, 9.3).
bool shopKeepsAlive(std::string_view raw) {
  if (raw.substr(0, 9) != "HTTP/1.1 ") return false;
  auto parsed = protocol::http::parseResponse(raw);
  if (!parsed) return false;
  auto found = parsed->headers.find("connection");
  if (found == parsed->headers.end()) return true;
  std::string value = found->second;
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value.find("close") == std::string::npos;
}

// Sends the request and reads the response: to its framed end with keep-alive, else to the
// close. `answered`: some response bytes came (a retry could then repeat a processed request).
Result<Exchanged> roundTrip(tls_proxy::ResumedConnection& connection, const RelayRequest& request,
                            bool keepAlive, const RelayOptions& options, bool& answered) {
  if (auto sent = connection.writeAll(requestBytes(request, keepAlive)); !sent) {
    return sent.error();
  }
  Exchanged exchanged;
  std::string& raw = exchanged.raw;
  while (true) {
    if (keepAlive) {
      if (auto length = protocol::http::framedResponseLength(raw)) {
        // Bytes beyond the response were not asked for: the connection is not reused.
        exchanged.reusable = *length == raw.size() && shopKeepsAlive(raw);
        return exchanged;
      }
    }
    auto chunk = connection.readSome();
    if (!chunk) {
      if (!raw.empty()) break;  // some shops end without close_notify after Connection: close
      return chunk.error();
    }
    if (chunk->empty()) {
      if (raw.empty()) return makeError("the shop closed the connection before answering");
      break;
    }
    answered = true;
    raw.append(chunk->begin(), chunk->end());
    if (raw.size() > options.maxResponseBytes) {
      return makeError("the shop's response exceeds " + std::to_string(options.maxResponseBytes) +
                       " bytes");
    }
  }
  (void)connection.close();
  return exchanged;
}

bool wantsWarm(const RelayRequest& request) {
  return !request.keepFor.empty() && request.method == "GET";
}

// Keeps the connection for the terminal's next GET, or closes it.
void finish(SessionManager& sessions, const RelayRequest& request, Connection connection,
            bool reusable, uint64_t ticket) {
  if (reusable && wantsWarm(request)) {
    sessions.warm().put(request.keepFor, request.url.shopKey(), std::move(connection), ticket);
  } else if (connection) {
    (void)connection->close();
  }
}

// The request over a fresh resumption (of the relay's cached session, or a new one).
Result<RelayResponse> relayFresh(SessionManager& sessions, const RelayRequest& request,
                                 const RelayOptions& options, uint64_t ticket) {
  bool waitedForFresh = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto opened = sessions.open(request.url);
    if (!opened) return opened.error();
    auto blob = tls_proxy::decodeSessionBlob(opened->encodedBlob.view());
    if (!blob) return blob.error();
    auto connection = openConnection(blob.value(), options);
    if (connection) {
      bool answered = false;
      auto exchanged = roundTrip(**connection, request, wantsWarm(request), options, answered);
      if (!exchanged) return exchanged.error();
      auto response = parseHttpResponse(exchanged->raw);
      if (response) {
        finish(sessions, request, std::move(connection.value()), exchanged->reusable, ticket);
      }
      return response;
    }
    if (!opened->cached && !waitedForFresh) {
      // A session made a moment ago: an mbedTLS server files it in its session cache only
      // after its Finished (tools/shop_server/README.md), so a resumption right away can miss
      // it. Nothing was sent; the same session once more after a pause.
      waitedForFresh = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      --attempt;
      continue;
    }
    // A refused resumption of a cached session: the shop forgot it. Once, fresh.
    if (!opened->cached || attempt == 1) return connection.error();
    sessions.drop(request.url.shopKey());
  }
  return makeError("relay: unreachable");
}

}  // namespace

void prewarmRelay(SessionManager& sessions, const std::string& owner, const ShopUrl& shop,
                  const SecretBytes& encodedBlob, bool freshSession, const RelayOptions& options) {
  WarmPool& pool = sessions.warm();
  const uint64_t ticket = pool.ticket();  // before: a lapse from now on keeps it out of the pool
  auto open = [&pool, owner, shop, blobCopy = encodedBlob, freshSession, options, ticket] {
    if (pool.holds(owner, shop.shopKey())) return;
    auto blob = tls_proxy::decodeSessionBlob(blobCopy.view());
    if (!blob) return pool.noteFailure(owner, shop.shopKey(), blob.error().message);
    auto connection = openConnection(*blob, options);
    if (!connection && freshSession) {
      // The shop files a new session only after its Finished (see relayFresh): once more.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      connection = openConnection(*blob, options);
    }
    if (!connection) return pool.noteFailure(owner, shop.shopKey(), connection.error().message);
    pool.put(owner, shop.shopKey(), std::move(connection.value()), ticket);
  };
  (void)pool.inBackground(std::move(open));
}

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
  // Taken before the connection: an authority that ends during the request keeps it from being
  // put back (WarmPool::put).
  const uint64_t ticket = sessions.warm().ticket();
  if (wantsWarm(request)) {
    if (Connection warm = sessions.warm().take(request.keepFor, request.url.shopKey())) {
      bool answered = false;
      auto exchanged = roundTrip(*warm, request, true, options, answered);
      if (exchanged) {
        auto response = parseHttpResponse(exchanged->raw);
        if (response) finish(sessions, request, std::move(warm), exchanged->reusable, ticket);
        return response;
      }
      // The shop closed it as we sent (its idle limit raced ours): nothing was answered, and a
      // GET may be sent again. Once, over a fresh resumption.
      if (answered) return exchanged.error();
    }
  }
  return relayFresh(sessions, request, options, ticket);
}

}  // namespace hp::home_server
