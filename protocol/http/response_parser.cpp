#include "protocol/http/message_head.hpp"

namespace hp::protocol::http {

namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// "HTTP/1.x SP 3DIGIT [SP reason]" (RFC 9112, 4); RFC 9110, 15: status codes are 100..599.
Result<void> parseStatusLine(std::string_view line, Response& response) {
  if (line.size() < 12 || (line.substr(0, 9) != "HTTP/1.1 " && line.substr(0, 9) != "HTTP/1.0 ")) {
    return makeError("HTTP: the response has no status line");
  }
  if (!isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) ||
      (line.size() > 12 && line[12] != ' ')) {
    return makeError("HTTP: malformed status code");
  }
  response.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (response.status < 100 || response.status > 599) {
    return makeError("HTTP: malformed status code");
  }
  for (char c : line.substr(12)) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7F) return makeError("HTTP: malformed reason");
  }
  if (line.size() > 13) response.reason = std::string(line.substr(13));
  return {};
}

}  // namespace

Result<Response> parseResponse(std::string_view raw, const Limits& limits) {
  const size_t headEnd = raw.find("\r\n\r\n");
  if (headEnd == std::string_view::npos) return makeError("HTTP: no end of headers");
  if (headEnd > limits.maxHeaderBytes) return makeError("HTTP: header section too large");
  const std::string_view head = raw.substr(0, headEnd);
  const std::string_view body = raw.substr(headEnd + 4);
  const size_t lineEnd = head.find("\r\n");
  Response response;
  if (auto status = parseStatusLine(head.substr(0, lineEnd), response); !status) {
    return status.error();
  }
  auto headers = detail::parseFields(lineEnd == std::string_view::npos ? std::string_view()
                                                                       : head.substr(lineEnd + 2));
  if (!headers) return makeError("HTTP: " + headers.error().message);
  response.headers = std::move(*headers);
  auto framing = detail::framingOf(response.headers, false);
  if (!framing) return makeError("HTTP: " + framing.error().message);
  if (framing->chunked) {
    auto chunked = detail::decodeChunked(body, limits);
    if (chunked.state == detail::Chunked::State::kBad) {
      return makeError("HTTP: " + chunked.error.message);
    }
    if (chunked.state == detail::Chunked::State::kNeedMore) {
      return makeError("HTTP: truncated chunked body");
    }
    response.body = std::move(chunked.body);
    return response;
  }
  if (framing->contentLength) {
    if (*framing->contentLength > body.size()) {
      return makeError("HTTP: body shorter than its Content-Length");
    }
    response.body = std::string(body.substr(0, *framing->contentLength));
  } else {
    response.body = std::string(body);
  }
  if (response.body.size() > limits.maxBodyBytes) return makeError("HTTP: body too large");
  return response;
}

std::optional<size_t> framedResponseLength(std::string_view raw) {
  const size_t headEnd = raw.find("\r\n\r\n");
  if (headEnd == std::string_view::npos || headEnd > kResponseLimits.maxHeaderBytes) return {};
  const size_t bodyStart = headEnd + 4;
  Response response;
  const size_t lineEnd = raw.find("\r\n");
  if (!parseStatusLine(raw.substr(0, lineEnd), response)) return {};
  // An interim 1xx is not the response (the relay sends no Expect, so none is expected).
  if (response.status < 200) return {};
  if (response.status == 204 || response.status == 304) return bodyStart;
  auto headers = detail::parseFields(
      lineEnd == headEnd ? std::string_view() : raw.substr(lineEnd + 2, headEnd - lineEnd - 2));
  if (!headers) return {};
  auto framing = detail::framingOf(*headers, false);
  if (!framing) return {};
  if (framing->chunked) {
    auto chunked = detail::decodeChunked(raw.substr(bodyStart), kResponseLimits);
    if (chunked.state != detail::Chunked::State::kComplete) return {};
    return bodyStart + chunked.consumed;
  }
  if (!framing->contentLength) return {};  // runs to the close
  if (raw.size() - bodyStart < *framing->contentLength) return {};
  return bodyStart + *framing->contentLength;
}

}  // namespace hp::protocol::http
