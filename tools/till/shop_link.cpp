#include "tools/till/shop_link.hpp"

#include "host/terminal/https_exchange.hpp"
#include "host/tls_proxy/delegated_handshake.hpp"
#include "host/tls_proxy/resumed_connection.hpp"

namespace hp::till {

namespace {
constexpr size_t kMaxAnswerBytes = 1 << 20;
}  // namespace

Result<std::unique_ptr<ShopLink>> ShopLink::create(const terminal::HttpsUrl& shop,
                                                   const std::string& certFile,
                                                   const std::string& keyFile,
                                                   const std::string& caFile) {
  auto signer = tls_proxy::SoftwareSigner::fromPemFiles(keyFile, certFile);
  if (!signer) return makeError("the till's key and certificate: " + signer.error().message);
  std::unique_ptr<ShopLink> link(new ShopLink());
  link->shop_ = shop;
  link->caFile_ = caFile;
  link->signer_ = std::move(signer.value());
  return link;
}

Result<terminal::HttpAnswer> ShopLink::request(const std::string& method, const std::string& path,
                                               const std::string& body) {
  terminal::HttpsUrl url = shop_;
  std::string prefix = shop_.path.substr(0, shop_.path.find('?'));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  url.path = prefix + path;
  auto answer = once(method, url, body);
  if (answer || !session_) return answer;
  // The shop forgot the session (restart, cache full): one fresh handshake.
  session_.reset();
  return once(method, url, body);
}

Result<terminal::HttpAnswer> ShopLink::once(const std::string& method,
                                            const terminal::HttpsUrl& url,
                                            const std::string& body) {
  if (!session_) {
    tls_proxy::DelegatedHandshakeRequest handshake;
    handshake.host = shop_.host;
    handshake.port = shop_.port;
    handshake.caFile = caFile_;
    auto made = tls_proxy::performDelegatedHandshake(handshake, *signer_);
    if (!made) return makeError("the shop: " + made.error().message);
    session_ = made->blob;
  }
  auto connection = tls_proxy::ResumedConnection::open(*session_);
  if (!connection) return makeError("the shop: " + connection.error().message);
  return terminal::exchangeOverTls(
      **connection, terminal::buildHttpRequest(method, url, body, "application/json"),
      kMaxAnswerBytes);
}

}  // namespace hp::till
