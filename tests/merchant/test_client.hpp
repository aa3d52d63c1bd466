// An mbedTLS TLS 1.2 client for the shop and bank tests: verifies the server ("localhost") with
// the test CA, presents a client certificate (or none), offers tickets or not, resumes a saved
// session, and speaks keep-alive HTTP/1.1 with JSON bodies. resumed() says whether the handshake
// was abbreviated (no server certificate was verified).
#pragma once

#include <json/json.h>
#include <mbedtls/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "host/tls_proxy/shop_socket.hpp"
#include "host/tls_proxy/ssl_client.hpp"

namespace hp::merchant::test {

// An owned copy of a client session (master secret, id or ticket), for resumption.
struct SavedSession {
  SavedSession() { mbedtls_ssl_session_init(&session); }
  ~SavedSession() { mbedtls_ssl_session_free(&session); }
  SavedSession(const SavedSession&) = delete;
  SavedSession& operator=(const SavedSession&) = delete;
  mbedtls_ssl_session session;
};

struct ClientOptions {
  uint16_t port = 0;
  std::string certFile;  // empty: no client certificate
  std::string keyFile;
  bool offerTickets = true;
  const SavedSession* resume = nullptr;
};

struct HttpResult {
  int status = 0;
  std::string body;
  Json::Value json;  // the parsed body (null if not JSON)
  std::string errorCode() const { return json["error"]["code"].asString(); }
};

class TestClient {
 public:
  // nullptr if the handshake fails (handshakeError() of the last attempt says why).
  static std::unique_ptr<TestClient> connect(const ClientOptions& options);
  static std::string lastHandshakeError();

  HttpResult request(const std::string& method, const std::string& path,
                     const std::string& body = "");
  HttpResult post(const std::string& path, const Json::Value& body);
  // Sends bytes as they are and returns everything until the server closes.
  std::string raw(const std::string& bytes);
  bool resumed() const { return verifications_ == 0; }
  std::unique_ptr<SavedSession> session();

 private:
  TestClient() = default;
  std::unique_ptr<tls_proxy::SslClient> client_;
  std::unique_ptr<tls_proxy::ShopSocket> socket_;
  mbedtls_x509_crt ca_{};
  mbedtls_x509_crt cert_{};
  mbedtls_pk_context key_{};
  int verifications_ = 0;

 public:
  ~TestClient();
};

// Parses "HTTP/1.1 NNN ...\r\n...\r\n\r\nbody" (Content-Length framing).
HttpResult parseHttpResponse(const std::string& text);
std::string toJson(const Json::Value& value);

}  // namespace hp::merchant::test
