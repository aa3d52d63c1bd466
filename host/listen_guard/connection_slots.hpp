// Slot accounting for a listener that runs a handshake before it knows who is connecting (the
// home server's control channel, the shop's and bank's TLS with client certificates). Two pools:
// connections still in their handshake ("pending": small cap, a cap per source address, and a
// deadline for the whole handshake) and authenticated ones ("established": their own cap), so
// anonymous peers can neither take the slots of authenticated ones nor hold theirs for long.
// The listener also puts deadlines on established connections (the shop's request-head
// deadline); overdue() names the connections whose deadline passed, for the listener to close.
// Pure (times are passed in) and not thread-safe: the listener calls it under its own mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hp::listen_guard {

struct SlotLimits {
  size_t maxPending = 32;                 // connections in their handshake, all sources together
  size_t maxPendingPerSource = 4;         // the same, from one source address
  size_t maxEstablished = 16;             // authenticated connections
  uint32_t handshakeDeadlineMs = 10'000;  // from accept to the end of the handshake
};

enum class Refusal {
  kNone,
  kPendingFull,      // maxPending handshakes under way
  kSourceFull,       // maxPendingPerSource handshakes under way from this address
  kEstablishedFull,  // maxEstablished authenticated connections open
};

// For logs: "handshake cap", "per-source cap", "connection cap".
const char* refusalName(Refusal refusal);

class ConnectionSlots {
 public:
  explicit ConnectionSlots(SlotLimits limits) : limits_(limits) {}

  // A new connection (the listener's id) from `source`: a pending slot with the handshake
  // deadline, or the reason it is refused.
  Refusal admit(uint64_t id, const std::string& source, uint64_t nowMs);
  // Its handshake succeeded: from the pending pool to the established one (no deadline), or
  // kEstablishedFull (the connection keeps its pending slot until release()).
  Refusal establish(uint64_t id);
  // A deadline for an established connection (0: none), e.g. to finish a request it started.
  void setDeadline(uint64_t id, uint64_t deadlineMs);
  void release(uint64_t id);
  // Connections whose deadline has passed (each named once until its deadline is set again).
  std::vector<uint64_t> overdue(uint64_t nowMs);

  size_t pending() const { return pending_; }
  size_t established() const { return established_; }
  const SlotLimits& limits() const { return limits_; }

 private:
  struct Slot {
    std::string source;
    bool established = false;
    uint64_t deadlineMs = 0;  // 0: none
  };
  SlotLimits limits_;
  std::map<uint64_t, Slot> slots_;
  std::map<std::string, size_t> pendingBySource_;
  size_t pending_ = 0;
  size_t established_ = 0;
};

}  // namespace hp::listen_guard
