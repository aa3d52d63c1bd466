// A small applet for the pcsc_bridge tests: long answers (61xx chains), an idempotent answer
// (6Cxx when Le is too small) and a command that keeps its (chained) data for inspection.
#pragma once

#include "card/runtime/applet.hpp"

namespace hp::pcsc_bridge::test {

inline constexpr uint8_t kTestAid[] = {0xF0, 0x54, 0x45, 0x53, 0x54, 0x01};
inline constexpr uint8_t kInsLongAnswer = 0x10;  // P1P2 = length; a fresh (non-idempotent) answer
inline constexpr uint8_t kInsRead = 0x20;        // P1P2 = length; an idempotent read
inline constexpr uint8_t kInsStore = 0x30;       // keeps the command data, answers its length

// Byte i of every generated answer, so a reassembly error shows as a wrong byte.
inline uint8_t patternByte(size_t i) {
  return static_cast<uint8_t>((i * 7 + i / 256) & 0xFF);
}

class TestApplet final : public card::runtime::Applet {
 public:
  ByteView aid() const override { return kTestAid; }
  card::runtime::Response process(const protocol::apdu::CommandApdu& cmd) override {
    switch (cmd.ins) {
      case kInsLongAnswer:
        return card::runtime::Response::ok(pattern(cmd.p1p2()));
      case kInsRead:
        return card::runtime::Response::read(pattern(cmd.p1p2()));
      case kInsStore:
        stored = cmd.data;
        ++storeCount;
        return card::runtime::Response::read(
            {static_cast<uint8_t>(cmd.data.size() >> 8), static_cast<uint8_t>(cmd.data.size())});
      default:
        return card::runtime::Response::status(protocol::apdu::sw::kInsNotSupported);
    }
  }

  Bytes stored;
  int storeCount = 0;

 private:
  static Bytes pattern(size_t length) {
    Bytes out(length);
    for (size_t i = 0; i < length; ++i) out[i] = patternByte(i);
    return out;
  }
};

}  // namespace hp::pcsc_bridge::test
