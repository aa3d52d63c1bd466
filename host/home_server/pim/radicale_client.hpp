// One HTTP/1.1 exchange with the home's Radicale over loopback TCP: the request sent with
// "Connection: close", the answer read until Radicale closes (at most `maxBytes`), then parsed
// by the project's one HTTP parser (protocol/http). No TLS: it never leaves 127.0.0.1.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "protocol/http/http_message.hpp"

namespace hp::home_server {

struct RadicaleTarget {
  uint16_t port = 5232;
  size_t maxBytes = 32 * 1024 * 1024;
  uint32_t timeoutMs = 30000;
};

// Errors: "Radicale is not running on 127.0.0.1:PORT", "... answered more than N bytes", a
// timeout, or the parser's message.
Result<protocol::http::Response> exchangeWithRadicale(const RadicaleTarget& target,
                                                      const std::string& request);

}  // namespace hp::home_server
