// Internal to protocol/http: the parts requests and responses share. The field section, the
// framing of the body (RFC 9112, 6) and the chunked decoder (RFC 9112, 7.1).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/http/http_message.hpp"

namespace hp::protocol::http::detail {

// The field lines of a head ("name: value" separated by CRLF), after its start line.
Result<Headers, ParseError> parseFields(std::string_view lines);

struct Framing {
  bool chunked = false;
  std::optional<size_t> contentLength;  // none, not chunked: a response runs to the close
};
// From Transfer-Encoding and Content-Length; `isRequest` refuses both at once.
Result<Framing, ParseError> framingOf(const Headers& headers, bool isRequest);

struct Chunked {
  enum class State { kComplete, kNeedMore, kBad } state = State::kNeedMore;
  std::string body;
  size_t consumed = 0;  // bytes of input up to and including the trailer section's CRLF
  ParseError error;
};
// Decodes a chunked body from the start of `input` (which may be incomplete).
Chunked decodeChunked(std::string_view input, const Limits& limits);

bool isTokenChar(char c);
std::string lowerCase(std::string_view text);

}  // namespace hp::protocol::http::detail
