// RFC 9112, 7.1: chunk-size [; ext] CRLF data CRLF ... 0 [; ext] CRLF *(field CRLF) CRLF
#include "protocol/http/message_head.hpp"

namespace hp::protocol::http::detail {

namespace {

// Bounds a chunk-size line with its extensions, so an endless line is refused, not buffered.
constexpr size_t kMaxChunkLine = 1024;
// 8 hex digits: chunks below 4 GiB, and no arithmetic near SIZE_MAX.
constexpr size_t kMaxChunkSizeDigits = 8;

Chunked bad(int status, std::string message) {
  Chunked out;
  out.state = Chunked::State::kBad;
  out.error = ParseError{status, std::move(message)};
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The size at the start of a complete chunk line: hex digits up to ';' or the end.
Result<size_t, ParseError> chunkSize(std::string_view line) {
  size_t size = 0;
  size_t digits = 0;
  for (char c : line) {
    if (c == ';') break;
    const int value = hexValue(c);
    if (value < 0 || ++digits > kMaxChunkSizeDigits) return ParseError{400, "bad chunk size"};
    size = size * 16 + static_cast<size_t>(value);
  }
  if (digits == 0) return ParseError{400, "bad chunk size"};
  return size;
}

}  // namespace

Chunked decodeChunked(std::string_view input, const Limits& limits) {
  Chunked out;
  size_t at = 0;
  while (true) {
    const size_t eol = input.find("\r\n", at);
    const size_t lineLength = (eol == std::string_view::npos ? input.size() : eol) - at;
    if (lineLength > kMaxChunkLine) return bad(400, "chunk line too long");
    if (eol == std::string_view::npos) {
      // Refuse what is wrong already (the same answer however the stream is split).
      const std::string_view partial = input.substr(at);
      const size_t semicolon = partial.find(';');
      const std::string_view digits = partial.substr(0, semicolon);
      for (size_t i = 0; i < digits.size(); ++i) {
        if (hexValue(digits[i]) < 0 && !(digits[i] == '\r' && i + 1 == digits.size())) {
          return bad(400, "bad chunk size");
        }
      }
      if (digits.size() > kMaxChunkSizeDigits + (!digits.empty() && digits.back() == '\r')) {
        return bad(400, "bad chunk size");
      }
      return out;  // kNeedMore
    }
    auto size = chunkSize(input.substr(at, eol - at));
    if (!size) return bad(size.error().status, size.error().message);
    at = eol + 2;
    if (*size == 0) break;
    if (*size > limits.maxBodyBytes - out.body.size()) {
      return bad(413, "body larger than " + std::to_string(limits.maxBodyBytes) + " bytes");
    }
    // Compared without computing at + size + 2, which could wrap.
    const size_t available = input.size() - at;
    if (available < *size || available - *size < 2) {
      if (available > *size && input[at + *size] != '\r') {
        return bad(400, "chunk data not followed by CRLF");
      }
      return out;  // kNeedMore
    }
    if (input.substr(at + *size, 2) != "\r\n") return bad(400, "chunk data not followed by CRLF");
    out.body.append(input.substr(at, *size));
    at += *size + 2;
  }
  // The trailer section: field lines (skipped) up to an empty line, as large as a head at most.
  const size_t trailerStart = at;
  while (true) {
    const size_t eol = input.find("\r\n", at);
    const size_t lineEnd = eol == std::string_view::npos ? input.size() : eol;
    if (lineEnd - trailerStart > limits.maxHeaderBytes)
      return bad(431, "trailer section too large");
    if (eol == std::string_view::npos) return out;  // kNeedMore
    if (eol == at) {
      out.state = Chunked::State::kComplete;
      out.consumed = eol + 2;
      return out;
    }
    const std::string_view line = input.substr(at, eol - at);
    const size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return bad(400, "malformed trailer line");
    at = eol + 2;
  }
}

}  // namespace hp::protocol::http::detail
