// The input language shared by the card fuzz targets, and the checks every response must pass.
//
// One fuzz input is a sequence of records:
//   HH LL <HHLL bytes>   one command APDU (HH < 0xF0; cut short at the end of the input)
//   F0                   warm reset
//   F1                   power off          F2   power on
//   F3 XX                clock jump of XX * 10 s (so the 10-minute idle time-outs are reached)
//   F4 KN                storage failures: of the next stores, let K (high nibble) succeed and
//                        fail the next N (low nibble), on both cards' storage
//   F5                   "kill -9 and restart": throw the applets away and open new ones on
//                        the same storage; opening must never refuse an image the card wrote
//   F6..FF               ignored
// A CardUnderTest gives the runtime and knows how to restart and check its applets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "base/bytes.hpp"
#include "base/clock.hpp"
#include "card/runtime/card_runtime.hpp"
#include "protocol/apdu/command_apdu.hpp"
#include "protocol/apdu/status_word.hpp"
#include "tools/fuzz/fuzz_check.hpp"

namespace hp::fuzz {

// At most this many records per input, so one input is bounded work whatever its size.
inline constexpr size_t kMaxRecordsPerInput = 96;

class CardUnderTest {
 public:
  virtual ~CardUnderTest() = default;
  virtual card::runtime::CardRuntime& runtime() = 0;
  // Replaces the applets by fresh ones opened on the same storage (and a fresh runtime).
  virtual void restart() = 0;
  virtual void failNextStores(size_t succeedFirst, size_t failures) = 0;
  // Called after every APDU: persistent state reloaded from storage must match the live one.
  virtual void checkPersistentState() = 0;
  // Called after a reset, power-off or power-on: no volatile security state may survive.
  virtual void checkSecurityDropped() {}
  // A chance to refuse commands that are too slow for fuzzing (RSA key generation).
  virtual bool tooSlow(ByteView /*apdu*/) { return false; }
};

// ISO 7816-4 5.6: SW1 is 61..6F or 9X (60 is a T=0 procedure byte, never a status); 9000 is the
// only normal completion with SW1 = 90, and the only proprietary 9XXX words any card here answers
// are the purse's 9401 (insufficient funds) and 9402 (maximum balance exceeded).
inline void checkStatusWord(uint16_t sw) {
  const uint8_t sw1 = static_cast<uint8_t>(sw >> 8);
  FUZZ_CHECK((sw1 >= 0x61 && sw1 <= 0x6F) || sw == protocol::apdu::sw::kOk || sw == 0x9401 ||
             sw == 0x9402);
}

// Response checks that hold for any applet behind the runtime.
inline void checkResponse(ByteView command, ByteView response) {
  FUZZ_CHECK(response.size() >= 2);
  const uint16_t sw =
      static_cast<uint16_t>((response[response.size() - 2] << 8) | response[response.size() - 1]);
  checkStatusWord(sw);
  const size_t dataSize = response.size() - 2;
  const uint8_t sw1 = static_cast<uint8_t>(sw >> 8);
  // ISO 7816-4 5.6: with 6Cxx (wrong Le) and with the execution and checking errors 64xx..6Fxx
  // the response data field is absent.
  if (sw1 >= 0x64 && sw1 <= 0x6F) FUZZ_CHECK(dataSize == 0);
  if (dataSize == 0) return;
  // Data come back only for a command that asked for them with Le (GET RESPONSE without Le is
  // taken as "up to 256"), and never more than Ne bytes.
  auto parsed = protocol::apdu::parseCommandApdu(command);
  FUZZ_CHECK(parsed.ok());
  const protocol::apdu::CommandApdu& cmd = parsed.value();
  uint32_t ne = cmd.ne;
  if (cmd.ins == 0xC0 && (cmd.cla & 0xE0) == 0 && ne == 0) ne = 256;
  FUZZ_CHECK(ne != 0);
  FUZZ_CHECK(dataSize <= ne);
  FUZZ_CHECK(dataSize <= card::runtime::CardRuntime::kMaxResponseChunk);
}

// HP_FUZZ_TRACE=1 prints every record and response, to check what a seed or a crash does.
inline bool traceEnabled() {
  static const bool enabled = std::getenv("HP_FUZZ_TRACE") != nullptr;
  return enabled;
}

inline void runSession(const uint8_t* input, size_t size, CardUnderTest& card,
                       base::ManualClock& clock) {
  size_t pos = 0;
  // A restart opens the applets anew, and the home card's open derives its card-link key (an
  // EC point multiplication). An input of a hundred F5s took over libFuzzer's 10 s time-out,
  // which counts wall time, in the niced long run on a loaded machine (kept as
  // found_restart_storm; 33 ms with the cap). A few restarts per input reach every restart
  // path; later F5s are skipped.
  constexpr int kMaxRestarts = 8;
  int restarts = 0;
  for (size_t records = 0; pos < size && records < kMaxRecordsPerInput; ++records) {
    const uint8_t op = input[pos++];
    if (op < 0xF0) {
      if (pos >= size) break;
      size_t length = (static_cast<size_t>(op) << 8) | input[pos++];
      if (length > size - pos) length = size - pos;
      const ByteView apdu(input + pos, length);
      pos += length;
      if (card.tooSlow(apdu)) continue;
      const Bytes response = card.runtime().transmit(apdu);
      if (traceEnabled()) {
        std::fprintf(stderr, "> %s\n< %s\n", toSpacedHex(apdu).c_str(),
                     toSpacedHex(response).c_str());
      }
      checkResponse(apdu, response);
      card.checkPersistentState();
      continue;
    }
    if (traceEnabled()) std::fprintf(stderr, "control %02X\n", op);
    switch (op) {
      case 0xF0:
        card.runtime().reset();
        card.checkSecurityDropped();
        break;
      case 0xF1:
        card.runtime().powerOff();
        card.checkSecurityDropped();
        break;
      case 0xF2:
        card.runtime().powerOn();
        card.checkSecurityDropped();
        break;
      case 0xF3:
        if (pos < size) clock.advanceMs(uint64_t{input[pos++]} * 10'000);
        break;
      case 0xF4:
        if (pos < size) {
          const uint8_t kn = input[pos++];
          card.failNextStores(kn >> 4, kn & 0x0F);
        }
        break;
      case 0xF5:
        if (++restarts > kMaxRestarts) break;
        card.restart();
        card.checkSecurityDropped();
        card.checkPersistentState();
        break;
      default:
        break;
    }
  }
}

}  // namespace hp::fuzz
