// The one HTTP/1.1 message parser (RFC 9112) of the project (issue 11, 4: the terminal, the home
// server's relay and the merchant servers had a parser each, and they had drifted apart).
// Requests are cut incrementally out of a connection's byte stream (the shop and bank servers);
// responses are parsed whole, read until the shop closed (the terminal and the relay send
// "Connection: close"). Both take Content-Length and chunked bodies within stated limits.
// Anything else is an error value (with the HTTP status a server answers), never a guess.
//
// The rules are the union of the former copies, the stricter of each:
//  - the head (start line and fields) is at most Limits::maxHeaderBytes;
//  - field names are tokens (RFC 9110, 5.1), so obsolete line folding and "bad header" lines are
//    refused; field values hold no control character but HTAB (RFC 9110, 5.5);
//  - repeated fields are joined with ", " (RFC 9110, 5.3); repeated Content-Length values must
//    agree, and Content-Length is digits only;
//  - Transfer-Encoding is accepted only as a list that ends with "chunked" (RFC 9112, 6.3), and
//    a request with both Transfer-Encoding and Content-Length is refused (request smuggling);
//  - a chunk size is 1..8 hex digits (4 GiB per chunk is plenty; FFFFFFFFFFFFFFFF, which
//    once wrapped a length check, is refused), its data ends with CRLF, the chunks add up to at
//    most Limits::maxBodyBytes, and the trailer section ends with an empty line;
//  - a status line is "HTTP/1.0" or "HTTP/1.1", a space, a status 100..599, then the end or a
//    space and the reason.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace hp::protocol::http {

// Field names lower-cased; repeats joined with ", ".
using Headers = std::map<std::string, std::string>;

struct Limits {
  size_t maxHeaderBytes = 8 * 1024;
  size_t maxBodyBytes = 1024 * 1024;
  // Servers that want a Content-Length (the merchant APIs) refuse chunked requests with 411.
  bool chunkedRequests = true;
};

struct ParseError {
  int status = 400;  // what a server answers: 400, 411, 413, 431, 505
  std::string message;
};

struct Request {
  std::string method;
  std::string target;   // origin-form, as sent, e.g. "/orders/abc/pay?x=1"
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  Headers headers;
  std::string body;  // chunked bodies decoded
  bool keepAlive() const;
};

struct Response {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;  // chunked bodies decoded
  bool success() const { return status >= 200 && status <= 299; }
};

// Accumulates bytes from a connection and cuts complete requests out of them.
class RequestParser {
 public:
  static constexpr size_t kMaxHeaderBytes = Limits{}.maxHeaderBytes;
  explicit RequestParser(size_t maxBodyBytes, bool chunkedRequests = true)
      : limits_{kMaxHeaderBytes, maxBodyBytes, chunkedRequests} {}
  explicit RequestParser(Limits limits) : limits_(limits) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // A complete request (removed from the buffer), neither if more bytes are needed, or an error
  // (after which the connection is to be closed: the stream position is lost).
  struct Outcome {
    std::optional<Request> request;
    std::optional<ParseError> error;
  };
  Outcome next();
  bool empty() const { return buffer_.empty(); }

 private:
  Limits limits_;
  std::string buffer_;
};

// The limits for a response read to the end: its size is already bounded by the reader.
constexpr Limits kResponseLimits{64 * 1024, static_cast<size_t>(-1), true};

// A whole response: the bytes read until the server closed the connection. Without
// Content-Length or chunked coding the body is everything after the head; bytes after a
// Content-Length body or after the last chunk are ignored.
Result<Response> parseResponse(std::string_view raw, const Limits& limits = kResponseLimits);

// For a keep-alive connection (the relay's warm connections): the length of the whole response
// at the start of `raw` when it is framed by Content-Length or chunked coding (or has no body:
// 204, 304), so the reader stops there and may reuse the connection. None while more bytes
// are needed, and none for a response that runs to the close or that does not parse (the reader
// then reads to the close and parseResponse says what is wrong).
std::optional<size_t> framedResponseLength(std::string_view raw);

}  // namespace hp::protocol::http
