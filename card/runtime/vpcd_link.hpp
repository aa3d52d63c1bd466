// The card side of vsmartcard's vpcd protocol: a TCP connection to the reader driver inside
// pcscd, carrying frames of a 2-byte big-endian length and a payload. A 1-byte payload is a
// reader control code (00 power off, 01 power on, 02 reset, 04 get ATR); anything longer is a
// command APDU, answered with the response APDU.
//
// Why this is fast (about 100 us per APDU through pcscd) where vsmartcard's Python vicc takes
// ~48 ms (measured with strace on Debian 12's vpcd 0.8): vpcd writes each frame in two send()
// calls, the 2-byte length and then the payload, on a socket with Nagle's algorithm on. Nagle
// holds the payload back until the length segment is acknowledged, and the card's kernel delays
// that ACK (Linux delayed ACK, ~40 ms) because the card has nothing to send yet: it is waiting
// for the rest of the frame. Every APDU then pays the delayed-ACK timer. We cannot change vpcd's
// socket, so we switch ours to quick-ACK mode (TCP_QUICKACK, renewed after every read, as Linux
// clears it) so the length segment is acknowledged at once and vpcd sends the payload at once.
// Our own frames go out in ONE send() with TCP_NODELAY, so we never cause the stall ourselves.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "card/runtime/card_runtime.hpp"

namespace hp::card::runtime {

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

  // A missed insertion: pcscd polls a card's presence every ~444 ms (GET ATR, measured with
  // pcsc-lite 1.9.9 + vpcd 0.8). When the card process is killed and a host command meets its
  // dead socket, vpcd drops that socket at once and the next poll accepts the NEW process: pcscd
  // never reports the old card gone, never powers the new one up, and the host keeps its handle
  // to a card that has nothing selected. pcscd powers up every card it sees inserted before any
  // command reaches it, so a command APDU (or a 3rd GET ATR) on a connection that never got
  // POWER ON or RESET can only mean that. With `requirePowerOn`, serve() then answers nothing,
  // closes, and sets `missedInsertion`: the caller stays away for more than two polls, so pcscd
  // sees the reader empty, ends the stale handles (SCARD_W_REMOVED_CARD), and powers the card up
  // when it comes back (the figures: protocol/card_link/link_timing.hpp). Off by default (the
  // fuzz target models a card that answers everything).
  bool requirePowerOn = false;
  bool missedInsertion = false;  // set by serve(), see above

 private:
  bool readExact(uint8_t* out, size_t n, const std::atomic<bool>& stop, std::string& why);
  bool sendFrame(ByteView payload, std::string& why);

  std::string host_;
  uint16_t port_;
  int fd_ = -1;
  Bytes inbox_;  // bytes received but not yet consumed
  size_t inboxPos_ = 0;
};

}  // namespace hp::card::runtime
