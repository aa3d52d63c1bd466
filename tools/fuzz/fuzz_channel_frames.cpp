// libFuzzer target: the control channel's frame reader and record layer.
//
// First byte even: the rest is a byte stream on a socket, read frame by frame with readFrame
// (host/channel/channel_connection.cpp) until it refuses or the stream ends. Every frame it
// returns has a header parseFrameHeader accepts and exactly the payload length it announces.
//
// First byte odd: the rest is a list of operations on the server's RecordProtector::open, each
// an operation byte and a u16-length field:
//   op % 4 == 0: the field is a raw frame from the network (an attacker's bytes): it opens only
//                if it is byte for byte the frame the client would seal next (sealing is
//                deterministic here), else it kills the protector (unless already closed);
//   op % 4 == 1: the field is sealed by the client, one byte (next input byte) is flipped at
//                (next byte) % size, then opened: refused, and the protector is dead after it;
//   op % 4 == 2: the client's close record is opened;
//   op % 4 == 3: the field is sealed and opened unchanged: while the protector is alive and the
//                peer has not closed, it opens to the same plaintext.
// After any failure or a close, open refuses everything.
#include <cstddef>
#include <cstdint>

#include "host/channel/channel_connection.hpp"
#include "host/channel/frame.hpp"
#include "tools/fuzz/fuzz_channel_records.hpp"
#include "tools/fuzz/fuzz_check.hpp"
#include "tools/fuzz/fuzz_input.hpp"
#include "tools/fuzz/fuzz_socket.hpp"

namespace {

using hp::base::Bytes;
using hp::fuzz::FuzzInput;

void readFrames(const uint8_t* data, size_t size) {
  hp::fuzz::SocketPair pair;
  pair.writeAndEnd(data, size);
  size_t consumed = 0;
  for (;;) {
    auto frame = hp::channel::readFrame(pair.reader());
    if (!frame) break;
    FUZZ_CHECK(frame->size() >= hp::channel::kFrameHeaderSize);
    auto header = hp::channel::parseFrameHeader(
        hp::base::ByteView(frame->data(), hp::channel::kFrameHeaderSize));
    FUZZ_CHECK(header.ok());
    FUZZ_CHECK(frame->size() == hp::channel::kFrameHeaderSize + header->payloadLength);
    consumed += frame->size();
    FUZZ_CHECK(consumed <= size);
  }
}

void openRecords(FuzzInput& in) {
  auto ends = hp::fuzz::freshChannel();
  auto& client = *ends.client;
  auto& server = *ends.server;
  bool dead = false;
  bool closed = false;
  while (!in.empty()) {
    const uint8_t op = in.byte();
    Bytes field = in.field();
    switch (op % 4) {
      case 0: {
        auto opened = server.open(field);
        if (opened.ok()) {
          // Sealing is deterministic (fixed keys, counted nonces), so raw bytes can be a real
          // record: exactly the frame the client seals next for that plaintext. Anything else
          // opening would be a forgery.
          FUZZ_CHECK(!dead && !closed);
          auto genuine = opened->type == hp::channel::FrameType::kClose ? client.sealClose()
                                                                        : client.seal(opened->data);
          FUZZ_CHECK(genuine.ok() && genuine.value() == field);
          if (opened->type == hp::channel::FrameType::kClose) closed = true;
        } else if (!closed) {
          dead = true;  // after a close, open refuses without failing
        }
        break;
      }
      case 1: {
        if (field.size() > hp::channel::kMaxRecordPlaintext) break;
        auto sealed = client.seal(field);
        if (!sealed) break;  // the client closed: nothing more to seal
        const uint8_t flip = static_cast<uint8_t>(in.byte() | 1);
        Bytes frame = std::move(sealed.value());
        frame[in.byte() % frame.size()] ^= flip;
        FUZZ_CHECK(!server.open(frame).ok());
        if (!closed) dead = true;
        break;
      }
      case 2: {
        auto sealed = client.sealClose();
        if (!sealed) break;
        auto opened = server.open(*sealed);
        FUZZ_CHECK(opened.ok() == (!dead && !closed));
        if (opened.ok()) FUZZ_CHECK(opened->type == hp::channel::FrameType::kClose);
        closed = true;
        break;
      }
      default: {
        auto sealed = client.seal(field);
        if (!sealed) break;
        auto opened = server.open(*sealed);
        FUZZ_CHECK(opened.ok() == (!dead && !closed));
        if (opened.ok()) {
          FUZZ_CHECK(opened->type == hp::channel::FrameType::kApplicationData);
          FUZZ_CHECK(opened->data == field);
        }
        break;
      }
    }
    FUZZ_CHECK(server.failed() == dead);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    readFrames(data + 1, size - 1);
  } else {
    FuzzInput in(data + 1, size - 1);
    openRecords(in);
  }
  return 0;
}
