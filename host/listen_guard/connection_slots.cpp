#include "host/listen_guard/connection_slots.hpp"

namespace hp::listen_guard {

const char* refusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return "admitted";
    case Refusal::kPendingFull:
      return "handshake cap";
    case Refusal::kSourceFull:
      return "per-source cap";
    case Refusal::kEstablishedFull:
      return "connection cap";
  }
  return "?";
}

Refusal ConnectionSlots::admit(uint64_t id, const std::string& source, uint64_t nowMs) {
  if (pending_ >= limits_.maxPending) return Refusal::kPendingFull;
  size_t& fromSource = pendingBySource_[source];
  if (fromSource >= limits_.maxPendingPerSource) {
    if (fromSource == 0) pendingBySource_.erase(source);
    return Refusal::kSourceFull;
  }
  ++fromSource;
  ++pending_;
  slots_[id] = Slot{source, false, nowMs + limits_.handshakeDeadlineMs};
  return Refusal::kNone;
}

Refusal ConnectionSlots::establish(uint64_t id) {
  const auto found = slots_.find(id);
  if (found == slots_.end()) return Refusal::kPendingFull;
  Slot& slot = found->second;
  if (slot.established) return Refusal::kNone;
  if (established_ >= limits_.maxEstablished) return Refusal::kEstablishedFull;
  if (--pendingBySource_[slot.source] == 0) pendingBySource_.erase(slot.source);
  --pending_;
  ++established_;
  slot.established = true;
  slot.deadlineMs = 0;
  return Refusal::kNone;
}

void ConnectionSlots::setDeadline(uint64_t id, uint64_t deadlineMs) {
  const auto found = slots_.find(id);
  if (found != slots_.end() && found->second.established) found->second.deadlineMs = deadlineMs;
}

void ConnectionSlots::release(uint64_t id) {
  const auto found = slots_.find(id);
  if (found == slots_.end()) return;
  const Slot& slot = found->second;
  if (slot.established) {
    --established_;
  } else {
    --pending_;
    if (--pendingBySource_[slot.source] == 0) pendingBySource_.erase(slot.source);
  }
  slots_.erase(found);
}

std::vector<uint64_t> ConnectionSlots::overdue(uint64_t nowMs) {
  std::vector<uint64_t> late;
  for (auto& [id, slot] : slots_) {
    if (slot.deadlineMs != 0 && slot.deadlineMs <= nowMs) {
      late.push_back(id);
      slot.deadlineMs = 0;  // named once; the listener closes it
    }
  }
  return late;
}

}  // namespace hp::listen_guard
