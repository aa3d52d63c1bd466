// HTTP/1.1 as the shop and bank APIs speak it. Requests are cut out of the connection by the
// project's one HTTP parser (protocol/http: request line, headers, bodies of bounded size);
// these servers want a Content-Length, so a chunked request is answered 411. Anything else
// (oversized headers, bad syntax) is an error value with the status and message to answer,
// never a crash and never a guess. Responses are written here.
#pragma once

#include <cstddef>
#include <string>

#include "protocol/http/http_message.hpp"

namespace hp::merchant {

using HttpRequest = protocol::http::Request;
using HttpParseError = protocol::http::ParseError;

// Accumulates bytes from a connection and cuts complete requests out of them (next()).
class HttpRequestParser : public protocol::http::RequestParser {
 public:
  explicit HttpRequestParser(size_t maxBodyBytes)
      : RequestParser(maxBodyBytes, /*chunkedRequests=*/false) {}
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string contentType = "application/json";
};

// "HTTP/1.1 <status> <reason>" with Content-Type, Content-Length and Connection headers.
std::string formatResponse(const HttpResponse& response, bool keepAlive);
const char* reasonPhrase(int status);

}  // namespace hp::merchant
