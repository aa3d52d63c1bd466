#include "host/tls_proxy/ssl_client.hpp"

#include "host/tls_proxy/process_rng.hpp"
#include "host/tls_proxy/tls_error.hpp"

namespace hp::tls_proxy {

SslClient::SslClient() {
  mbedtls_ssl_config_init(&config_);
  mbedtls_ssl_init(&ssl_);
}

SslClient::~SslClient() {
  // mbedtls_ssl_free zeroizes the session, handshake and transform (keys) it holds.
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_config_free(&config_);
}

Result<std::unique_ptr<SslClient>> SslClient::create(uint32_t readTimeoutMs) {
  std::unique_ptr<SslClient> client(new SslClient());
  // The process's generator, seeded once: seeding one per connection cost more than the rest of
  // a resumption (process_rng.hpp).
  auto rng = processRng();
  if (!rng) return rng.error();
  if (int rc =
          mbedtls_ssl_config_defaults(&client->config_, MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
      rc != 0) {
    return tlsError("TLS configuration", rc);
  }
  // The delegated-session design is TLS 1.2 only: TLS 1.3 resumption uses PSKs tied to the
  // handshake's own ticket, a different mechanism.
  mbedtls_ssl_conf_min_version(&client->config_, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&client->config_, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_rng(&client->config_, &base::Rng::mbedtlsCallback, *rng);
  mbedtls_ssl_conf_read_timeout(&client->config_, readTimeoutMs);
  return client;
}

Result<void> SslClient::setup() {
  if (int rc = mbedtls_ssl_setup(&ssl_, &config_); rc != 0) return tlsError("TLS setup", rc);
  return {};
}

}  // namespace hp::tls_proxy
