#include "host/channel/ticket_store.hpp"

#include <algorithm>

namespace hp::channel {

void ServerTicketStore::store(const Bytes& ticketId, ServerTicket ticket, uint64_t nowMs) {
  std::lock_guard lock(mutex_);
  std::erase_if(tickets_, [nowMs](const auto& entry) { return entry.second.expiresAtMs <= nowMs; });
  if (maxEntries_ == 0) return;
  while (tickets_.size() >= maxEntries_) {
    auto soonest = std::min_element(tickets_.begin(), tickets_.end(), [](auto& a, auto& b) {
      return a.second.expiresAtMs < b.second.expiresAtMs;
    });
    tickets_.erase(soonest);
  }
  tickets_[ticketId] = std::move(ticket);
}

TicketLookup ServerTicketStore::take(const Bytes& ticketId, uint64_t nowMs, ServerTicket& ticket) {
  std::lock_guard lock(mutex_);
  auto it = tickets_.find(ticketId);
  if (it == tickets_.end()) return TicketLookup::kUnknown;
  const bool expired = it->second.expiresAtMs <= nowMs;
  if (!expired) ticket = std::move(it->second);
  tickets_.erase(it);
  return expired ? TicketLookup::kExpired : TicketLookup::kFound;
}

bool ServerTicketStore::contains(const Bytes& ticketId) const {
  std::lock_guard lock(mutex_);
  return tickets_.count(ticketId) != 0;
}

void ServerTicketStore::revokeTerminal(const std::string& terminalId) {
  std::lock_guard lock(mutex_);
  std::erase_if(tickets_,
                [&terminalId](const auto& entry) { return entry.second.terminalId == terminalId; });
}

size_t ServerTicketStore::size() const {
  std::lock_guard lock(mutex_);
  return tickets_.size();
}

}  // namespace hp::channel
