// The TCP connection to a shop, given to mbedTLS as its BIO. Counts every byte on the wire and
// feeds each direction to a RecordObserver.
#pragma once

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "host/tls_proxy/record_observer.hpp"

namespace hp::tls_proxy {

struct WireStats {
  size_t bytesSent = 0;
  size_t bytesReceived = 0;
  size_t total() const { return bytesSent + bytesReceived; }
};

class ShopSocket {
 public:
  static Result<std::unique_ptr<ShopSocket>> connect(const std::string& address, uint16_t port);
  ~ShopSocket();
  ShopSocket(const ShopSocket&) = delete;
  ShopSocket& operator=(const ShopSocket&) = delete;

  // Installs this socket as the context's BIO (reads honour the config's read timeout).
  void attach(mbedtls_ssl_context& ssl);

  const WireStats& stats() const { return stats_; }
  // True if the peer sent something or closed (EOF, reset) while we were not reading: an idle
  // keep-alive connection (the relay's warm pool) with this is not to be reused.
  bool hasPendingInput() const;
  const RecordObserver& sent() const { return sent_; }
  const RecordObserver& received() const { return received_; }

 private:
  ShopSocket() { mbedtls_net_init(&net_); }
  static int send(void* self, const unsigned char* data, size_t size);
  static int receive(void* self, unsigned char* data, size_t size, uint32_t timeoutMs);

  mbedtls_net_context net_;
  WireStats stats_;
  RecordObserver sent_;
  RecordObserver received_;
};

}  // namespace hp::tls_proxy
