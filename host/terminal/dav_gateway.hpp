// `terminal dav` (docs/pim.md): the terminal's loopback CalDAV/CardDAV server. Each request of a
// standard client (vdirsyncer, Thunderbird, DAVx5) becomes one pim.request over the control
// channel (and pim.more for a long answer); the home server relays it to its Radicale. This
// part is pure (no socket, no card): the mapping between an HTTP request and the RPC call, and
// the HTTP response for every outcome, with the error texts the client's user reads.
#pragma once

#include <functional>
#include <string>

#include "base/result.hpp"
#include "protocol/http/http_message.hpp"
#include "protocol/rpc/pim_methods.hpp"

namespace hp::terminal {

// The HTTP request as the home server gets it. Framing and connection headers stay here; the
// rest goes on, and the home server keeps only its whitelist (so a client's Authorization or
// X-Remote-User is dropped there, where it matters).
protocol::rpc::PimRequest::Params pimParamsOf(const protocol::http::Request& request);

// A response for the client: status line, headers, Content-Length, the body. Clients show the
// reason phrase, not the body (vdirsyncer: "502, message='...'"), so an error's reason is its
// text: `reason` if given (control characters dropped, cut at 200 bytes), else the standard one.
std::string httpResponse(int status, const std::map<std::string, std::string>& headers,
                         const std::string& body, bool keepAlive, const std::string& reason = {});
// The reason an error response of the home's store carries: the first line of a short
// text/plain body (the home server's "not valid iCalendar" text), else empty.
std::string reasonOfBody(int status, const std::map<std::string, std::string>& headers,
                         const std::string& body);
// A plain-text error response ("terminal dav: MESSAGE").
std::string httpError(int status, const std::string& message, bool keepAlive);
// The HTTP status a pim.request error becomes (pim_forbidden 403, too_large 413, ...).
int statusOfRpcError(const std::string& code);

// "127.0.0.1:5232" -> port; only loopback addresses are accepted.
Result<std::pair<std::string, uint16_t>> parseLoopbackListen(const std::string& text);

}  // namespace hp::terminal
