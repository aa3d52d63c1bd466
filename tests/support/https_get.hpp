// A minimal HTTP/1.1 GET over an established TLS stream; for tests and diagnostics.
#pragma once

#include <string>

#include "host/tls_proxy/resumed_connection.hpp"

namespace hp::tls_proxy {

struct HttpResponse {
  int status = 0;
  std::string raw;  // status line, headers and body as received
};

// Sends "GET <path> HTTP/1.1" with Host and "Connection: close", reads until the shop closes
// (at most maxBytes) and parses the status code.
Result<HttpResponse> httpsGet(TlsStream& stream, const std::string& host,
                              const std::string& path = "/", size_t maxBytes = 1 << 20);

}  // namespace hp::tls_proxy
