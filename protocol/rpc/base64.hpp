// Base64 (RFC 4648, 4: standard alphabet, padded) for binary fields in RPC messages
// (SessionBlob, relay bodies). Decoding is strict: no whitespace, no missing padding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"

namespace hp::protocol::rpc {

std::string base64Encode(ByteView bytes);
std::optional<Bytes> base64Decode(std::string_view text);

}  // namespace hp::protocol::rpc
