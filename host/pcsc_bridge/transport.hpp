// One interface for every way of reaching a card: PC/SC (pcscd, any reader, virtual or
// physical), an in-process card runtime (unit tests), a replayed recording or a fuzzer.
// Protocol code above it never knows which one it runs on.
#pragma once

#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::pcsc_bridge {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one command APDU exactly as given; returns the raw response (data, SW1, SW2).
  // No GET RESPONSE, no chaining: that is ApduClient's job.
  virtual Result<Bytes> transmitRaw(ByteView command) = 0;
  // Warm reset: the card loses its volatile security state.
  virtual Result<void> reset() = 0;
  // The ATR of the card currently in the reader.
  virtual Result<Bytes> atr() = 0;
  // For messages: "PC/SC reader 'Virtual PCD 00 00'", "in-process homecard", ...
  virtual std::string describe() const = 0;
};

}  // namespace hp::pcsc_bridge
