// Frames: everything on the channel's TCP stream is type (1) || length (4, big-endian) ||
// payload. The length is bounded before anything is allocated or read.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/channel/protocol.hpp"

namespace hp::channel {

struct FrameHeader {
  FrameType type = FrameType::kHandshake;
  uint32_t payloadLength = 0;
};

// Refuses unknown frame types and lengths over the bound for the type.
Result<FrameHeader> parseFrameHeader(ByteView header);
Bytes encodeFrameHeader(FrameType type, uint32_t payloadLength);
Bytes makeFrame(FrameType type, ByteView payload);

}  // namespace hp::channel
