#include "protocol/http/message_head.hpp"

namespace hp::protocol::http {

namespace {

RequestParser::Outcome fail(int status, std::string message) {
  return {std::nullopt, ParseError{status, std::move(message)}};
}

RequestParser::Outcome fail(ParseError error) {
  return {std::nullopt, std::move(error)};
}

// "method SP target SP version" (RFC 9112, 3), origin-form targets only.
std::optional<ParseError> parseRequestLine(std::string_view line, Request& request) {
  const size_t firstSpace = line.find(' ');
  const size_t secondSpace =
      firstSpace == std::string_view::npos ? firstSpace : line.find(' ', firstSpace + 1);
  if (secondSpace == std::string_view::npos ||
      line.find(' ', secondSpace + 1) != std::string_view::npos) {
    return ParseError{400, "malformed request line"};
  }
  request.method = std::string(line.substr(0, firstSpace));
  request.target = std::string(line.substr(firstSpace + 1, secondSpace - firstSpace - 1));
  request.version = std::string(line.substr(secondSpace + 1));
  if (request.method.empty()) return ParseError{400, "malformed request method"};
  for (char c : request.method) {
    if (!detail::isTokenChar(c)) return ParseError{400, "malformed request method"};
  }
  if (request.target.empty() || request.target.front() != '/') {
    return ParseError{400, "request target must be an absolute path"};
  }
  for (char c : request.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return ParseError{400, "request target contains a control or non-ASCII character"};
    }
  }
  if (request.version != "HTTP/1.1" && request.version != "HTTP/1.0") {
    return ParseError{505, "only HTTP/1.1 and HTTP/1.0 are supported"};
  }
  return std::nullopt;
}

}  // namespace

bool Request::keepAlive() const {
  const auto it = headers.find("connection");
  const std::string connection = it == headers.end() ? "" : detail::lowerCase(it->second);
  if (version == "HTTP/1.0") return connection == "keep-alive";
  return connection != "close";
}

RequestParser::Outcome RequestParser::next() {
  const size_t headerEnd = buffer_.find("\r\n\r\n");
  if (headerEnd == std::string::npos) {
    if (buffer_.size() > limits_.maxHeaderBytes) {
      return fail(431, "request header section too large");
    }
    return {};
  }
  if (headerEnd > limits_.maxHeaderBytes) return fail(431, "request header section too large");
  const std::string_view head(buffer_.data(), headerEnd);
  const size_t lineEnd = head.find("\r\n");
  Request request;
  if (auto error = parseRequestLine(head.substr(0, lineEnd), request)) return fail(*error);
  auto headers = detail::parseFields(lineEnd == std::string_view::npos ? std::string_view()
                                                                       : head.substr(lineEnd + 2));
  if (!headers) return fail(headers.error());
  request.headers = std::move(*headers);
  if (!limits_.chunkedRequests && request.headers.count("transfer-encoding") != 0) {
    return fail(411, "chunked or encoded bodies are not supported: send Content-Length");
  }
  auto framing = detail::framingOf(request.headers, true);
  if (!framing) return fail(framing.error());

  const size_t bodyStart = headerEnd + 4;
  const std::string_view rest = std::string_view(buffer_).substr(bodyStart);
  if (framing->chunked) {
    auto chunked = detail::decodeChunked(rest, limits_);
    if (chunked.state == detail::Chunked::State::kBad) return fail(std::move(chunked.error));
    if (chunked.state == detail::Chunked::State::kNeedMore) return {};
    request.body = std::move(chunked.body);
    buffer_.erase(0, bodyStart + chunked.consumed);
    return {std::move(request), std::nullopt};
  }
  const size_t bodyLength = framing->contentLength.value_or(0);
  if (bodyLength > limits_.maxBodyBytes) {
    return fail(413, "body larger than " + std::to_string(limits_.maxBodyBytes) + " bytes");
  }
  if (rest.size() < bodyLength) return {};
  request.body = std::string(rest.substr(0, bodyLength));
  buffer_.erase(0, bodyStart + bodyLength);
  return {std::move(request), std::nullopt};
}

}  // namespace hp::protocol::http
