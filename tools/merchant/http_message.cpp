#include "http_message.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace hp::merchant {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

HttpRequestParser::Outcome fail(int status, std::string message) {
  return {std::nullopt, HttpParseError{status, std::move(message)}};
}

}  // namespace

bool HttpRequest::keepAlive() const {
  const auto it = headers.find("connection");
  const std::string connection = it == headers.end() ? "" : lower(it->second);
  if (version == "HTTP/1.0") return connection == "keep-alive";
  return connection != "close";
}

HttpRequestParser::Outcome HttpRequestParser::next() {
  const size_t headerEnd = buffer_.find("\r\n\r\n");
  if (headerEnd == std::string::npos) {
    if (buffer_.size() > kMaxHeaderBytes) return fail(431, "request header section too large");
    return {};
  }
  if (headerEnd > kMaxHeaderBytes) return fail(431, "request header section too large");
  const std::string_view head(buffer_.data(), headerEnd);
  HttpRequest request;

  const size_t lineEnd = head.find("\r\n");
  const std::string_view requestLine = head.substr(0, lineEnd);
  const size_t firstSpace = requestLine.find(' ');
  const size_t secondSpace =
      firstSpace == std::string_view::npos ? firstSpace : requestLine.find(' ', firstSpace + 1);
  if (secondSpace == std::string_view::npos ||
      requestLine.find(' ', secondSpace + 1) != std::string_view::npos) {
    return fail(400, "malformed request line");
  }
  request.method = std::string(requestLine.substr(0, firstSpace));
  request.target = std::string(requestLine.substr(firstSpace + 1, secondSpace - firstSpace - 1));
  request.version = std::string(requestLine.substr(secondSpace + 1));
  if (request.method.empty() ||
      !std::all_of(request.method.begin(), request.method.end(), isTokenChar)) {
    return fail(400, "malformed request method");
  }
  if (request.target.empty() || request.target.front() != '/') {
    return fail(400, "request target must be an absolute path");
  }
  for (char c : request.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return fail(400, "request target contains a control or non-ASCII character");
    }
  }
  if (request.version != "HTTP/1.1" && request.version != "HTTP/1.0") {
    return fail(505, "only HTTP/1.1 and HTTP/1.0 are supported");
  }

  size_t at = lineEnd == std::string_view::npos ? head.size() : lineEnd + 2;
  while (at < head.size()) {
    size_t end = head.find("\r\n", at);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(at, end - at);
    at = end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(400, "malformed header line");
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), isTokenChar)) {
      return fail(400, "malformed header name");
    }
    const std::string key = lower(name);
    const std::string value(trim(line.substr(colon + 1)));
    if (request.headers.count(key) != 0 && key == "content-length" &&
        request.headers[key] != value) {
      return fail(400, "conflicting Content-Length headers");
    }
    request.headers[key] = value;
  }

  if (request.headers.count("transfer-encoding") != 0) {
    return fail(411, "chunked or encoded bodies are not supported: send Content-Length");
  }
  size_t bodyLength = 0;
  if (const auto it = request.headers.find("content-length"); it != request.headers.end()) {
    const std::string& text = it->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), bodyLength);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      return fail(400, "malformed Content-Length");
    }
    if (bodyLength > maxBodyBytes_) {
      return fail(413, "body larger than " + std::to_string(maxBodyBytes_) + " bytes");
    }
  }
  const size_t bodyStart = headerEnd + 4;
  if (buffer_.size() - bodyStart < bodyLength) return {};
  request.body = buffer_.substr(bodyStart, bodyLength);
  buffer_.erase(0, bodyStart + bodyLength);
  return {std::move(request), std::nullopt};
}

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

std::string formatResponse(const HttpResponse& response, bool keepAlive) {
  std::string out =
      "HTTP/1.1 " + std::to_string(response.status) + " " + reasonPhrase(response.status) + "\r\n";
  out += "Content-Type: " + response.contentType + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n";
  out += response.body;
  return out;
}

}  // namespace hp::merchant
