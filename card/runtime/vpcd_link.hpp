// The card side of vsmartcard's vpcd protocol: a TCP connection to the reader driver inside
// pcscd, carrying frames of a 2-byte big-endian length and a payload. A 1-byte payload is a
// reader control code (00 power off, 01 power on, 02 reset, 04 get ATR); anything longer is a
// command APDU, answered with the response APDU.
//
// Why this is fast (about 100 us per APDU through pcscd) while vsmartcard's Python vicc takes
// ~48 ms: every frame we send goes out in ONE send() on a socket with TCP_NODELAY, and we read
// whole frames from a buffer. A peer that sends a frame in two writes (length, then payload)
// with Nagle's algorithm on has its second write held back until the first is acknowledged, and
// the other side delays that ACK (Linux delayed ACK, up to 40 ms) because it is waiting for the
// rest of the frame: every APDU then pays the delayed-ACK timer.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "card_runtime.hpp"
#include "result.hpp"

namespace hp::card {

class VpcdLink {
 public:
  VpcdLink(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {}
  ~VpcdLink();
  VpcdLink(const VpcdLink&) = delete;
  VpcdLink& operator=(const VpcdLink&) = delete;

  // One connection attempt; error if vpcd is not listening.
  Result<void> connect();
  // Serves frames until vpcd closes the connection (pcscd stopped), an I/O error, or `stop`.
  // Returns the reason the connection ended.
  std::string serve(CardRuntime& runtime, const std::atomic<bool>& stop);
  void close();

  // Optional trace of each exchange (header and SW only: data may hold PINs).
  bool trace = false;

 private:
  bool readExact(uint8_t* out, size_t n, const std::atomic<bool>& stop, std::string& why);
  bool sendFrame(ByteView payload, std::string& why);

  std::string host_;
  uint16_t port_;
  int fd_ = -1;
  Bytes inbox_;        // bytes received but not yet consumed
  size_t inboxPos_ = 0;
};

}  // namespace hp::card
