// conventional_get HOST PORT CA_PEM CERT_PEM KEY_PEM [PATH]: the stand-by benchmark's
// "conventional" terminal (run_standby_bench.sh). What a terminal without homeproxy does for one
// page of a shop that wants client certificates: a full TLS 1.2 mutual-auth handshake with its
// own key and certificate (shop chain and host name verified), then GET PATH on that connection;
// the body goes to stdout. Same library (mbedTLS 2.28, the distribution's build) and same
// TLS settings (TLS 1.2, mbedTLS defaults) as the `terminal` binary, so both rows pay the same
// library: only what each does differs. Exit 0 on HTTP 200.
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

struct Client {
  mbedtls_net_context net;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config config;
  mbedtls_ssl_context ssl;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;
  Client() {
    mbedtls_net_init(&net);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&config);
    mbedtls_ssl_init(&ssl);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&cert);
    mbedtls_pk_init(&key);
  }
  ~Client() {
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&cert);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&config);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    mbedtls_net_free(&net);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
};

int fail(const char* what, int code) {
  char text[160];
  mbedtls_strerror(code, text, sizeof text);
  std::fprintf(stderr, "conventional_get: %s: %s (-0x%04x)\n", what, text,
               static_cast<unsigned>(-code));
  return 1;
}

// Key, certificates and TLS 1.2 client settings; 0 or the mbedTLS error.
int configure(Client& c, const char* host, const char* caFile, const char* certFile,
              const char* keyFile) {
  int rc = mbedtls_ctr_drbg_seed(&c.drbg, mbedtls_entropy_func, &c.entropy, nullptr, 0);
  if (rc == 0) rc = mbedtls_x509_crt_parse_file(&c.ca, caFile);
  if (rc == 0) rc = mbedtls_x509_crt_parse_file(&c.cert, certFile);
  if (rc == 0) rc = mbedtls_pk_parse_keyfile(&c.key, keyFile, nullptr);
  if (rc == 0) {
    rc = mbedtls_ssl_config_defaults(&c.config, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
  }
  if (rc != 0) return rc;
  mbedtls_ssl_conf_min_version(&c.config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&c.config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_authmode(&c.config, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&c.config, &c.ca, nullptr);
  mbedtls_ssl_conf_rng(&c.config, mbedtls_ctr_drbg_random, &c.drbg);
  rc = mbedtls_ssl_conf_own_cert(&c.config, &c.cert, &c.key);
  if (rc == 0) rc = mbedtls_ssl_setup(&c.ssl, &c.config);
  if (rc == 0) rc = mbedtls_ssl_set_hostname(&c.ssl, host);
  return rc;
}

// The response up to the shop's close; 0 or the mbedTLS error.
int readResponse(Client& c, std::string& response) {
  unsigned char buffer[4096];
  while (true) {
    const int n = mbedtls_ssl_read(&c.ssl, buffer, sizeof buffer);
    if (n > 0) {
      response.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
    } else if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      return 0;
    } else if (n != MBEDTLS_ERR_SSL_WANT_READ && n != MBEDTLS_ERR_SSL_WANT_WRITE) {
      return n;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    std::fprintf(stderr, "usage: conventional_get HOST PORT CA_PEM CERT_PEM KEY_PEM [PATH]\n");
    return 2;
  }
  const char* host = argv[1];
  const std::string path = argc == 7 ? argv[6] : "/";
  Client c;
  if (int rc = configure(c, host, argv[3], argv[4], argv[5]); rc != 0) return fail("setup", rc);
  if (int rc = mbedtls_net_connect(&c.net, host, argv[2], MBEDTLS_NET_PROTO_TCP); rc != 0) {
    return fail("connect", rc);
  }
  mbedtls_ssl_set_bio(&c.ssl, &c.net, mbedtls_net_send, mbedtls_net_recv, nullptr);
  int rc = 0;
  while ((rc = mbedtls_ssl_handshake(&c.ssl)) != 0) {
    if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
      return fail("handshake", rc);
    }
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    const int n =
        mbedtls_ssl_write(&c.ssl, reinterpret_cast<const unsigned char*>(request.data()) + sent,
                          request.size() - sent);
    if (n < 0 && n != MBEDTLS_ERR_SSL_WANT_WRITE) return fail("write", n);
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string response;
  if (rc = readResponse(c, response); rc != 0) return fail("read", rc);
  (void)mbedtls_ssl_close_notify(&c.ssl);
  const size_t bodyAt = response.find("\r\n\r\n");
  if (bodyAt == std::string::npos || response.compare(0, 12, "HTTP/1.1 200") != 0) {
    std::fprintf(stderr, "conventional_get: no HTTP 200: %.80s\n", response.c_str());
    return 1;
  }
  std::fwrite(response.data() + bodyAt + 4, 1, response.size() - bodyAt - 4, stdout);
  return 0;
}
