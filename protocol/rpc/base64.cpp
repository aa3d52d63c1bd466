#include "protocol/rpc/base64.hpp"

#include <mbedtls/base64.h>

namespace hp::protocol::rpc {

std::string base64Encode(ByteView bytes) {
  size_t needed = 0;
  (void)mbedtls_base64_encode(nullptr, 0, &needed, bytes.data(), bytes.size());
  std::string text(needed, '\0');
  size_t written = 0;
  if (mbedtls_base64_encode(reinterpret_cast<unsigned char*>(text.data()), text.size(), &written,
                            bytes.data(), bytes.size()) != 0) {
    return {};
  }
  text.resize(written);
  return text;
}

std::optional<Bytes> base64Decode(std::string_view text) {
  // mbedTLS skips line breaks and spaces; a message field has none, so refuse them.
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!allowed) return std::nullopt;
  }
  size_t needed = 0;
  const auto* input = reinterpret_cast<const unsigned char*>(text.data());
  const int probe = mbedtls_base64_decode(nullptr, 0, &needed, input, text.size());
  if (probe == MBEDTLS_ERR_BASE64_INVALID_CHARACTER) return std::nullopt;
  Bytes bytes(needed);
  size_t written = 0;
  if (mbedtls_base64_decode(bytes.data(), bytes.size(), &written, input, text.size()) != 0) {
    return std::nullopt;
  }
  bytes.resize(written);
  return bytes;
}

}  // namespace hp::protocol::rpc
