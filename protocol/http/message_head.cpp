#include "protocol/http/message_head.hpp"

#include <charconv>

namespace hp::protocol::http::detail {

namespace {

std::string_view trimBlanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// RFC 9110, 5.5: no CR, LF or NUL; other controls but HTAB are refused as well.
bool isFieldValue(std::string_view value) {
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7F) return false;
  }
  return true;
}

Result<size_t, ParseError> parseLength(const std::string& text) {
  size_t length = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return ParseError{400, "malformed Content-Length"};
  }
  return length;
}

}  // namespace

bool isTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<Headers, ParseError> parseFields(std::string_view lines) {
  Headers headers;
  size_t at = 0;
  while (at < lines.size()) {
    size_t end = lines.find("\r\n", at);
    if (end == std::string_view::npos) end = lines.size();
    const std::string_view line = lines.substr(at, end - at);
    at = end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return ParseError{400, "malformed header line"};
    }
    const std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!isTokenChar(c)) return ParseError{400, "malformed header name"};
    }
    const std::string_view value = trimBlanks(line.substr(colon + 1));
    if (!isFieldValue(value)) return ParseError{400, "control character in a header value"};
    const std::string key = lowerCase(name);
    auto [it, inserted] = headers.emplace(key, std::string(value));
    if (inserted) continue;
    if (key == "content-length") {
      if (it->second != value) return ParseError{400, "conflicting Content-Length headers"};
      continue;
    }
    it->second += ", ";
    it->second += value;
  }
  return headers;
}

Result<Framing, ParseError> framingOf(const Headers& headers, bool isRequest) {
  Framing framing;
  const auto encoding = headers.find("transfer-encoding");
  const auto length = headers.find("content-length");
  if (encoding != headers.end()) {
    if (isRequest && length != headers.end()) {
      return ParseError{400, "both Transfer-Encoding and Content-Length"};
    }
    // RFC 9112, 6.3: the final coding must be chunked for the length to be known; the codings
    // before it (gzip...) are the application's business.
    std::string_view codings = encoding->second;
    const size_t comma = codings.rfind(',');
    const std::string last = lowerCase(
        trimBlanks(comma == std::string_view::npos ? codings : codings.substr(comma + 1)));
    if (last != "chunked")
      return ParseError{isRequest ? 501 : 400, "unsupported Transfer-Encoding"};
    framing.chunked = true;
    return framing;
  }
  if (length != headers.end()) {
    auto parsed = parseLength(length->second);
    if (!parsed) return parsed.error();
    framing.contentLength = *parsed;
  }
  return framing;
}

}  // namespace hp::protocol::http::detail
