#include "host/channel/frame.hpp"

#include <string>

namespace hp::channel {

Result<FrameHeader> parseFrameHeader(ByteView header) {
  if (header.size() != kFrameHeaderSize) return makeError("frame header must be 5 bytes");
  FrameHeader parsed;
  const uint8_t type = header[0];
  if (type != static_cast<uint8_t>(FrameType::kHandshake) &&
      type != static_cast<uint8_t>(FrameType::kApplicationData) &&
      type != static_cast<uint8_t>(FrameType::kClose)) {
    return makeError("unknown frame type " + std::to_string(type));
  }
  parsed.type = static_cast<FrameType>(type);
  parsed.payloadLength = (static_cast<uint32_t>(header[1]) << 24) |
                         (static_cast<uint32_t>(header[2]) << 16) |
                         (static_cast<uint32_t>(header[3]) << 8) | header[4];
  const size_t bound =
      parsed.type == FrameType::kHandshake ? kMaxHandshakeMessageSize : kMaxFramePayload;
  if (parsed.payloadLength > bound) {
    return makeError("frame of " + std::to_string(parsed.payloadLength) +
                     " bytes exceeds the bound of " + std::to_string(bound));
  }
  return parsed;
}

Bytes encodeFrameHeader(FrameType type, uint32_t payloadLength) {
  Bytes header{static_cast<uint8_t>(type)};
  appendU16(header, static_cast<uint16_t>(payloadLength >> 16));
  appendU16(header, static_cast<uint16_t>(payloadLength));
  return header;
}

Bytes makeFrame(FrameType type, ByteView payload) {
  Bytes frame = encodeFrameHeader(type, static_cast<uint32_t>(payload.size()));
  append(frame, payload);
  return frame;
}

}  // namespace hp::channel
