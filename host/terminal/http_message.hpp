// HTTP/1.1 as the terminal speaks it over a resumed TLS connection: one request with
// "Connection: close", the answer read until the shop closes, then parsed by the project's one
// HTTP parser (protocol/http: Content-Length or chunked bodies). Pure functions, so the parsing
// is tested without a network.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "protocol/url/https_url.hpp"

namespace hp::terminal {

// Shop URLs are parsed by protocol/url, the same rules as the home server's.
using protocol::url::HttpsUrl;
using protocol::url::parseHttpsUrl;

struct HttpAnswer {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-cased names, sorted
  std::string body;
  bool success() const { return status >= 200 && status <= 299; }
};

// method is "GET" or "POST"; a POST carries `body` with its Content-Length.
std::string buildHttpRequest(const std::string& method, const HttpsUrl& url,
                             const std::string& body,
                             const std::string& contentType = "application/x-www-form-urlencoded");
Result<HttpAnswer> parseHttpAnswer(const std::string& raw);

}  // namespace hp::terminal
