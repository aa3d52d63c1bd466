#include "ticket_store.hpp"

#include <algorithm>

#include "protocol.hpp"

namespace hp::channel {

SecretBytes encodeClientTicket(const ClientTicket& ticket) {
  SecretBytes out(kEncodedClientTicketSize);
  if (ticket.ticketId.size() != kTicketIdSize || ticket.resumptionSecret.size() != 32) return {};
  uint8_t* p = out.data();
  *p++ = 1;
  std::copy(ticket.ticketId.begin(), ticket.ticketId.end(), p);
  p += kTicketIdSize;
  for (int shift = 56; shift >= 0; shift -= 8)
    *p++ = static_cast<uint8_t>(ticket.expiresAtMs >> shift);
  std::copy(ticket.resumptionSecret.data(), ticket.resumptionSecret.data() + 32, p);
  return out;
}

Result<ClientTicket> decodeClientTicket(ByteView encoded) {
  if (encoded.size() != kEncodedClientTicketSize || encoded[0] != 1) {
    return makeError("stored resumption ticket is malformed");
  }
  ClientTicket ticket;
  ticket.ticketId.assign(encoded.begin() + 1, encoded.begin() + 1 + kTicketIdSize);
  for (size_t i = 0; i < 8; ++i) ticket.expiresAtMs = (ticket.expiresAtMs << 8) | encoded[17 + i];
  ticket.resumptionSecret = SecretBytes(encoded.subspan(25, 32));
  return ticket;
}

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

TicketLookup ServerTicketStore::find(const Bytes& ticketId, uint64_t nowMs, ServerTicket& ticket) {
  std::lock_guard lock(mutex_);
  auto it = tickets_.find(ticketId);
  if (it == tickets_.end()) return TicketLookup::kUnknown;
  if (it->second.expiresAtMs <= nowMs) {
    tickets_.erase(it);
    return TicketLookup::kExpired;
  }
  ticket = it->second;
  return TicketLookup::kFound;
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
