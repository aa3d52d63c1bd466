// Minimal HTTP/1.1 for the shop and bank APIs: request line, headers, Content-Length bodies of
// bounded size. Anything else (chunked bodies, oversized headers, bad syntax) is an error value
// with the status and message to answer, never a crash and never a guess.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hp::merchant {

struct HttpRequest {
  std::string method;
  std::string target;                          // path as sent, e.g. "/orders/abc/pay"
  std::string version;                         // "HTTP/1.1" or "HTTP/1.0"
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool keepAlive() const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string contentType = "application/json";
};

struct HttpParseError {
  int status = 400;
  std::string message;
};

// Accumulates bytes from a connection and cuts complete requests out of them.
class HttpRequestParser {
 public:
  static constexpr size_t kMaxHeaderBytes = 8 * 1024;
  explicit HttpRequestParser(size_t maxBodyBytes) : maxBodyBytes_(maxBodyBytes) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // A complete request (removed from the buffer), nullopt if more bytes are needed, or an error
  // (after which the connection is to be closed: the stream position is lost).
  struct Outcome {
    std::optional<HttpRequest> request;
    std::optional<HttpParseError> error;
  };
  Outcome next();
  bool empty() const { return buffer_.empty(); }

 private:
  size_t maxBodyBytes_;
  std::string buffer_;
};

// "HTTP/1.1 <status> <reason>" with Content-Type, Content-Length and Connection headers.
std::string formatResponse(const HttpResponse& response, bool keepAlive);
const char* reasonPhrase(int status);

}  // namespace hp::merchant
