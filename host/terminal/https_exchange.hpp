// One HTTP/1.1 exchange over a resumed TLS connection: the request (http_message.hpp's, with
// "Connection: close") written whole, the answer read until the shop closes (at most
// `maxAnswerBytes`), then parsed. The terminal's delegated fetch and the till's own shop link
// both speak to shops this way.
#pragma once

#include <cstddef>
#include <string>

#include "host/terminal/http_message.hpp"
#include "host/tls_proxy/resumed_connection.hpp"

namespace hp::terminal {

Result<HttpAnswer> exchangeOverTls(tls_proxy::ResumedConnection& connection,
                                   const std::string& request, size_t maxAnswerBytes);

}  // namespace hp::terminal
