#include "host/terminal/http_message.hpp"

#include "protocol/http/http_message.hpp"

namespace hp::terminal {

std::string buildHttpRequest(const std::string& method, const HttpsUrl& url,
                             const std::string& body, const std::string& contentType) {
  std::string request = method + " " + url.path + " HTTP/1.1\r\n";
  request += "Host: " + url.hostHeader() + "\r\n";
  request += "User-Agent: homeproxy-terminal/1\r\n";
  request += "Accept: */*\r\n";
  request += "Connection: close\r\n";
  if (method == "POST") {
    request += "Content-Type: " + contentType + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n";
  if (method == "POST") request += body;
  return request;
}

Result<HttpAnswer> parseHttpAnswer(const std::string& raw) {
  auto response = protocol::http::parseResponse(raw);
  if (!response) return makeError("the shop's answer: " + response.error().message);
  HttpAnswer answer;
  answer.status = response->status;
  answer.reason = std::move(response->reason);
  answer.headers.assign(response->headers.begin(), response->headers.end());
  answer.body = std::move(response->body);
  return answer;
}

}  // namespace hp::terminal
