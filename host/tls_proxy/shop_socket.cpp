#include "host/tls_proxy/shop_socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include "host/tls_proxy/tls_error.hpp"

namespace hp::tls_proxy {

Result<std::unique_ptr<ShopSocket>> ShopSocket::connect(const std::string& address, uint16_t port) {
  std::unique_ptr<ShopSocket> socket(new ShopSocket());
  const std::string portText = std::to_string(port);
  if (int rc = mbedtls_net_connect(&socket->net_, address.c_str(), portText.c_str(),
                                   MBEDTLS_NET_PROTO_TCP);
      rc != 0) {
    return tlsError("connecting to " + address + ":" + portText, rc);
  }
  // mbedTLS writes each record of a flight (Certificate, ClientKeyExchange, CertificateVerify,
  // ChangeCipherSpec, Finished) with its own send(); with Nagle on, every record after the
  // first waits for the peer's delayed ACK (~40 ms). Records are whole messages: send at once.
  const int one = 1;
  ::setsockopt(socket->net_.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return socket;
}

ShopSocket::~ShopSocket() {
  mbedtls_net_free(&net_);
}

void ShopSocket::attach(mbedtls_ssl_context& ssl) {
  mbedtls_ssl_set_bio(&ssl, this, &ShopSocket::send, nullptr, &ShopSocket::receive);
}

int ShopSocket::send(void* self, const unsigned char* data, size_t size) {
  auto* socket = static_cast<ShopSocket*>(self);
  const int rc = mbedtls_net_send(&socket->net_, data, size);
  if (rc > 0) {
    socket->stats_.bytesSent += static_cast<size_t>(rc);
    socket->sent_.feed(ByteView(data, static_cast<size_t>(rc)));
  }
  return rc;
}

int ShopSocket::receive(void* self, unsigned char* data, size_t size, uint32_t timeoutMs) {
  auto* socket = static_cast<ShopSocket*>(self);
  const int rc = mbedtls_net_recv_timeout(&socket->net_, data, size, timeoutMs);
  if (rc > 0) {
    socket->stats_.bytesReceived += static_cast<size_t>(rc);
    socket->received_.feed(ByteView(data, static_cast<size_t>(rc)));
  }
  return rc;
}

bool ShopSocket::hasPendingInput() const {
  pollfd entry{net_.fd, POLLIN | POLLRDHUP, 0};
  const int rc = ::poll(&entry, 1, 0);
  // A poll error counts as "not idle": the caller then makes a fresh connection.
  return rc != 0;
}

}  // namespace hp::tls_proxy
