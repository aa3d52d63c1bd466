#include "tests/merchant/test_client.hpp"

#include <doctest.h>

#include "host/tls_proxy/tls_error.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tools/merchant/json_http.hpp"

namespace hp::merchant::test {

namespace {

std::string lastError;

int countVerification(void* counter, mbedtls_x509_crt*, int, uint32_t*) {
  ++*static_cast<int*>(counter);
  return 0;
}

}  // namespace

std::string TestClient::lastHandshakeError() {
  return lastError;
}

TestClient::~TestClient() {
  client_.reset();
  mbedtls_x509_crt_free(&ca_);
  mbedtls_x509_crt_free(&cert_);
  mbedtls_pk_free(&key_);
}

std::unique_ptr<TestClient> TestClient::connect(const ClientOptions& options) {
  std::unique_ptr<TestClient> c(new TestClient());
  mbedtls_x509_crt_init(&c->ca_);
  mbedtls_x509_crt_init(&c->cert_);
  mbedtls_pk_init(&c->key_);
  auto client = tls_proxy::SslClient::create(5000);
  REQUIRE(client.ok());
  c->client_ = std::move(*client);
  mbedtls_ssl_config& config = c->client_->config();
  REQUIRE(mbedtls_x509_crt_parse_file(&c->ca_, hp::tls_proxy::test::testPki().caCert.c_str()) == 0);
  mbedtls_ssl_conf_ca_chain(&config, &c->ca_, nullptr);
  mbedtls_ssl_conf_authmode(&config, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_session_tickets(&config, options.offerTickets
                                                ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
  if (!options.certFile.empty()) {
    REQUIRE(mbedtls_x509_crt_parse_file(&c->cert_, options.certFile.c_str()) == 0);
    REQUIRE(mbedtls_pk_parse_keyfile(&c->key_, options.keyFile.c_str(), nullptr) == 0);
    REQUIRE(mbedtls_ssl_conf_own_cert(&config, &c->cert_, &c->key_) == 0);
  }
  REQUIRE(c->client_->setup().ok());
  mbedtls_ssl_context& ssl = c->client_->ssl();
  REQUIRE(mbedtls_ssl_set_hostname(&ssl, "localhost") == 0);
  mbedtls_ssl_set_verify(&ssl, countVerification, &c->verifications_);
  if (options.resume) REQUIRE(mbedtls_ssl_set_session(&ssl, &options.resume->session) == 0);
  auto socket = tls_proxy::ShopSocket::connect("127.0.0.1", options.port);
  REQUIRE(socket.ok());
  c->socket_ = std::move(*socket);
  c->socket_->attach(ssl);
  int rc = 0;
  while ((rc = mbedtls_ssl_handshake(&ssl)) != 0) {
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    lastError = tls_proxy::tlsError("handshake", rc).message;
    return nullptr;
  }
  lastError.clear();
  return c;
}

std::unique_ptr<SavedSession> TestClient::session() {
  auto saved = std::make_unique<SavedSession>();
  REQUIRE(mbedtls_ssl_get_session(&client_->ssl(), &saved->session) == 0);
  return saved;
}

std::string TestClient::raw(const std::string& bytes) {
  mbedtls_ssl_context& ssl = client_->ssl();
  size_t written = 0;
  while (written < bytes.size()) {
    const int rc =
        mbedtls_ssl_write(&ssl, reinterpret_cast<const unsigned char*>(bytes.data()) + written,
                          bytes.size() - written);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) continue;
    if (rc <= 0) break;  // the server may close early on a bad request; read what it said
    written += static_cast<size_t>(rc);
  }
  std::string out;
  unsigned char buffer[4096];
  while (true) {
    const int n = mbedtls_ssl_read(&ssl, buffer, sizeof buffer);
    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    if (n <= 0) break;
    out.append(reinterpret_cast<char*>(buffer), static_cast<size_t>(n));
  }
  return out;
}

HttpResult TestClient::request(const std::string& method, const std::string& path,
                               const std::string& body) {
  mbedtls_ssl_context& ssl = client_->ssl();
  std::string text = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!body.empty() || method == "POST") {
    text +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  text += "\r\n" + body;
  size_t written = 0;
  while (written < text.size()) {
    const int rc = mbedtls_ssl_write(
        &ssl, reinterpret_cast<const unsigned char*>(text.data()) + written, text.size() - written);
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) continue;
    REQUIRE(rc > 0);
    written += static_cast<size_t>(rc);
  }
  std::string received;
  unsigned char buffer[4096];
  while (true) {
    const size_t headerEnd = received.find("\r\n\r\n");
    if (headerEnd != std::string::npos) {
      const auto at = received.find("Content-Length: ");
      REQUIRE(at != std::string::npos);
      const size_t length = std::stoul(received.substr(at + 16));
      if (received.size() >= headerEnd + 4 + length) break;
    }
    const int n = mbedtls_ssl_read(&ssl, buffer, sizeof buffer);
    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    INFO("read: " << tls_proxy::describeMbedtlsError(n) << " after " << received);
    REQUIRE(n > 0);
    received.append(reinterpret_cast<char*>(buffer), static_cast<size_t>(n));
  }
  return parseHttpResponse(received);
}

HttpResult TestClient::post(const std::string& path, const Json::Value& body) {
  return request("POST", path, toJson(body));
}

HttpResult parseHttpResponse(const std::string& text) {
  HttpResult result;
  REQUIRE(text.rfind("HTTP/1.1 ", 0) == 0);
  result.status = std::stoi(text.substr(9, 3));
  const size_t headerEnd = text.find("\r\n\r\n");
  REQUIRE(headerEnd != std::string::npos);
  result.body = text.substr(headerEnd + 4);
  auto parsed = merchant::parseJsonObject(result.body);
  if (parsed) result.json = *parsed;
  return result;
}

std::string toJson(const Json::Value& value) {
  return merchant::compactJson(value);
}

}  // namespace hp::merchant::test
