// RAII owner of one mbedTLS TLS 1.2 client: config and context (the random generator is the
// process's, process_rng.hpp).
// Shared by the home side (full handshake) and the terminal side (resumption).
#pragma once

#include <mbedtls/ssl.h>

#include <memory>

#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::tls_proxy {

class SslClient {
 public:
  // Client defaults restricted to TLS 1.2, with a read timeout, no context set up yet.
  static Result<std::unique_ptr<SslClient>> create(uint32_t readTimeoutMs);
  ~SslClient();
  SslClient(const SslClient&) = delete;
  SslClient& operator=(const SslClient&) = delete;

  mbedtls_ssl_config& config() { return config_; }
  mbedtls_ssl_context& ssl() { return ssl_; }
  // Call once the config is complete.
  Result<void> setup();

 private:
  SslClient();
  mbedtls_ssl_config config_;
  mbedtls_ssl_context ssl_;
};

}  // namespace hp::tls_proxy
