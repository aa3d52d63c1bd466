// A shop that stores a session-id session late (after its Finished went out, as mbedTLS and
// OpenSSL do; on a loaded machine the store can come well after the client saw Finished): the
// hand-out from performDelegatedHandshake must resume at once all the same. emoney_chaos failed
// so ("the shop refused the fresh session too") before the home server waited for the shop's
// close after its close_notify.
#include <doctest.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "host/tls_proxy/delegated_handshake.hpp"
#include "host/tls_proxy/resumed_connection.hpp"
#include "tests/tls_proxy/test_pki.hpp"
#include "tests/tls_proxy/test_signers.hpp"

namespace hp::tls_proxy {

namespace {

constexpr int kStoreDelayMs = 400;

// In-process mbedTLS shop, one thread per connection, whose session cache stores late.
class LateCacheShop {
 public:
  LateCacheShop() {
    mbedtls_net_init(&listener_);
    mbedtls_ssl_config_init(&config_);
    mbedtls_ssl_cache_init(&cache_);
    mbedtls_x509_crt_init(&chain_);
    mbedtls_x509_crt_init(&ca_);
    mbedtls_pk_init(&key_);
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
  }
  ~LateCacheShop() {
    // shutdown() wakes an accept() still waiting (a test that failed before its connections).
    if (listener_.fd >= 0) shutdown(listener_.fd, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    mbedtls_net_free(&listener_);
    for (std::thread& connection : connections_) connection.join();
    mbedtls_ssl_config_free(&config_);
    mbedtls_ssl_cache_free(&cache_);
    mbedtls_x509_crt_free(&chain_);
    mbedtls_x509_crt_free(&ca_);
    mbedtls_pk_free(&key_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }
  LateCacheShop(const LateCacheShop&) = delete;
  LateCacheShop& operator=(const LateCacheShop&) = delete;

  void start() {
    const test::TestPki& pki = test::testPki();
    REQUIRE(mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0) == 0);
    REQUIRE(mbedtls_x509_crt_parse_file(&chain_, pki.shopCert.c_str()) == 0);
    REQUIRE(mbedtls_x509_crt_parse_file(&ca_, pki.caCert.c_str()) == 0);
    REQUIRE(mbedtls_pk_parse_keyfile(&key_, pki.shopKey.c_str(), nullptr) == 0);
    REQUIRE(mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_SERVER,
                                        MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT) == 0);
    mbedtls_ssl_conf_min_version(&config_, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_rng(&config_, mbedtls_ctr_drbg_random, &drbg_);
    mbedtls_ssl_conf_authmode(&config_, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&config_, &ca_, nullptr);
    REQUIRE(mbedtls_ssl_conf_own_cert(&config_, &chain_, &key_) == 0);
    mbedtls_ssl_conf_read_timeout(&config_, 5000);
    mbedtls_ssl_conf_session_cache(&config_, this, &LateCacheShop::get, &LateCacheShop::setLate);
    REQUIRE(mbedtls_net_bind(&listener_, "127.0.0.1", "0", MBEDTLS_NET_PROTO_TCP) == 0);
    sockaddr_in address{};
    socklen_t length = sizeof address;
    REQUIRE(getsockname(listener_.fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }

  uint16_t port() const { return port_; }
  int stored() const { return stored_.load(); }

 private:
  static int get(void* self, mbedtls_ssl_session* session) {
    return mbedtls_ssl_cache_get(&static_cast<LateCacheShop*>(self)->cache_, session);
  }
  static int setLate(void* self, const mbedtls_ssl_session* session) {
    auto* shop = static_cast<LateCacheShop*>(self);
    std::this_thread::sleep_for(std::chrono::milliseconds(kStoreDelayMs));
    const int rc = mbedtls_ssl_cache_set(&shop->cache_, session);
    if (rc == 0) ++shop->stored_;
    return rc;
  }

  void acceptLoop() {
    for (int i = 0; i < 2; ++i) {  // the delegated handshake, then the resumption
      auto* client = new mbedtls_net_context;
      mbedtls_net_init(client);
      if (mbedtls_net_accept(&listener_, client, nullptr, 0, nullptr) != 0) {
        delete client;
        return;
      }
      connections_.emplace_back([this, client] { serve(client); });
    }
  }

  void serve(mbedtls_net_context* client) {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_init(&ssl);
    if (mbedtls_ssl_setup(&ssl, &config_) == 0) {
      mbedtls_ssl_set_bio(&ssl, client, mbedtls_net_send, nullptr, mbedtls_net_recv_timeout);
      if (mbedtls_ssl_handshake(&ssl) == 0) {
        unsigned char buffer[256];
        while (mbedtls_ssl_read(&ssl, buffer, sizeof buffer) > 0) {
        }
        (void)mbedtls_ssl_close_notify(&ssl);
      }
    }
    mbedtls_ssl_free(&ssl);
    mbedtls_net_free(client);
    delete client;
  }

  mbedtls_net_context listener_;
  mbedtls_ssl_config config_;
  mbedtls_ssl_cache_context cache_;
  mbedtls_x509_crt chain_;
  mbedtls_x509_crt ca_;
  mbedtls_pk_context key_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  uint16_t port_ = 0;
  std::atomic<int> stored_{0};
  std::thread acceptor_;
  std::vector<std::thread> connections_;
};

}  // namespace

TEST_SUITE("delegation") {
  TEST_CASE("a session id the shop stores late still resumes right after the hand-out") {
    LateCacheShop shop;
    shop.start();
    test::CountingSigner signer(
        test::loadSigner(test::testPki().userEcKey, test::testPki().userEcCert));
    DelegatedHandshakeRequest request = test::loopbackShopRequest(shop.port());
    request.offerTickets = false;
    auto delegated = performDelegatedHandshake(request, signer);
    REQUIRE_MESSAGE(delegated.ok(), (delegated.ok() ? "" : delegated.error().message));
    REQUIRE_FALSE(delegated->blob.hasTicket());
    // The shop has stored it by the time the hand-out exists: the wait for its close covered the
    // store (our close_notify went right behind our Finished, its close came after the store).
    CHECK(shop.stored() == 1);
    CHECK(delegated->closeWaitMicros >= (kStoreDelayMs - 100) * 1000);

    ResumeOptions options;
    options.connectAddress = "127.0.0.1";
    options.readTimeoutMs = 5000;
    auto resumed = ResumedConnection::open(delegated->blob, options);
    CHECK_MESSAGE(resumed.ok(), (resumed.ok() ? "" : resumed.error().message));
    if (resumed.ok()) (void)(*resumed)->close();
  }
}

}  // namespace hp::tls_proxy
