// Fetching a shop's page for the terminal, in the two modes the seed describes: delegated (the
// home server hands over a TLS session the terminal resumes itself) and relayed (the home
// server fetches over its own connection and returns the page through the control channel).
#include <string>

#include "host/terminal/command_support.hpp"
#include "host/terminal/home_channel.hpp"
#include "host/terminal/http_message.hpp"
#include "host/terminal/https_exchange.hpp"
#include "host/tls_proxy/resumed_connection.hpp"
#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/session_handout.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/relay_methods.hpp"
#include "protocol/rpc/session_methods.hpp"

namespace hp::terminal {

namespace {
namespace wire = protocol::rpc;
// The most the terminal reads from a shop: the body goes to stdout, not to a file.
constexpr size_t kMaxAnswerBytes = 16u << 20;
}  // namespace

// Delegation: the home server hands over a TLS session it negotiated with the user's card key;
// the terminal resumes it (abbreviated handshake, no key on the terminal).
Result<HttpAnswer> fetchDelegated(HomeChannel& channel, const HttpsUrl& url,
                                  const std::string& method, const std::string& body,
                                  const InfoSink& sink, const std::string& contentType) {
  wire::SessionOpen::Params params;
  params.url = "https://" + url.shopKey() + "/";  // "mode" is "delegate" by default
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto opened =
        channel.callWithAttachment(std::string(wire::SessionOpen::kName), params.toJson());
    if (!opened) return makeError("home server: " + describeRpcError(opened.error()));
    auto openResult = wire::SessionOpen::Result::fromJson(opened->result);
    if (!openResult) return makeError("home server: " + describeRpcError(openResult.error()));
    if (opened->attachment.empty()) return makeError("home server sent no session hand-out");
    auto blob = tls_proxy::decodeSessionHandout(opened->attachment.view(), url.host, url.port,
                                                tls_proxy::systemUnixNow());
    opened->attachment.clear();
    if (!blob) return makeError("home server sent a bad session: " + blob.error().message);
    info(sink, std::string("session for ") + url.shopKey() + ": " +
                   (opened->result["agent"].asBool() ? "held by the agent"
                                                     : (openResult->cached ? "cached" : "new")));
    auto connection = tls_proxy::ResumedConnection::open(*blob);
    if (!connection) {
      // The shop would not resume (it forgot the session, restarted, or keeps no session
      // cache): the terminal cannot do a full handshake (no key), so it asks for a fresh
      // session, once; "refused" lets the home server ask that shop for tickets next time.
      info(sink, "shop refused to resume: " + connection.error().message);
      if (attempt == 1)
        return makeError("the shop refused the fresh session too: " + connection.error().message);
      if (auto dropped = wire::call<wire::SessionDrop>(channel, {url.shopKey(), true}); !dropped) {
        return makeError("home server: " + describeRpcError(dropped.error()));
      }
      continue;
    }
    info(sink, "resumed TLS session with " + url.shopKey() + " (" +
                   (*connection)->ciphersuiteName() + ")");
    return exchangeOverTls(**connection, buildHttpRequest(method, url, body, contentType),
                           kMaxAnswerBytes);
  }
  return makeError("unreachable");
}

// Relay: the home server makes the request over its own session with the shop. The page (and a
// POST's body) travel as the messages' binary attachments, not base64 in the JSON.
Result<HttpAnswer> fetchRelayed(HomeChannel& channel, const HttpsUrl& url,
                                const std::string& method, const std::string& body) {
  wire::RelayRequest::Params params;
  params.url = "https://" + url.hostHeader() + url.path;
  params.method = method;
  const Bytes input = method == "POST" ? bytesOf(body) : Bytes{};
  auto answer =
      channel.callWithAttachment(std::string(wire::RelayRequest::kName), params.toJson(), input);
  if (!answer) return makeError("home server: " + describeRpcError(answer.error()));
  auto result = wire::RelayRequest::Result::fromJson(answer->result);
  if (!result) return makeError("home server: " + describeRpcError(result.error()));
  HttpAnswer response;
  response.status = result->status;
  response.headers.assign(result->headers.begin(), result->headers.end());
  const ByteView page = answer->attachment.view();
  response.body.assign(page.begin(), page.end());
  return response;
}

}  // namespace hp::terminal
