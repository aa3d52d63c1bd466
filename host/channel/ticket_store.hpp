// Resumption tickets (the seed's "previously hold" the channel key), the server's side. After a
// full handshake or a resumption the server keeps the next resumption secret under a random
// ticket ID until it expires; the terminal's access card keeps the same secret in its RAM. A
// ticket is single use (RFC 8446 8): take() removes it, and a full handshake drops all other
// tickets of its terminal. The store is bounded: when full it drops the ticket closest to
// expiry, which only costs that terminal a full handshake.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::channel {

struct ServerTicket {
  std::string terminalId;
  SecretBytes resumptionSecret;
  uint64_t expiresAtMs = 0;
};

enum class TicketLookup { kFound, kUnknown, kExpired };

class ServerTicketStore {
 public:
  explicit ServerTicketStore(size_t maxEntries) : maxEntries_(maxEntries) {}
  void store(const Bytes& ticketId, ServerTicket ticket, uint64_t nowMs);
  // Single use: on kFound moves the ticket into `ticket` and removes it from the store; an
  // expired ticket is erased too (its secret wiped). Either way the ID never works again.
  TicketLookup take(const Bytes& ticketId, uint64_t nowMs, ServerTicket& ticket);
  // Drops every ticket of the terminal (revocation, a new full handshake).
  void revokeTerminal(const std::string& terminalId);
  bool contains(const Bytes& ticketId) const;
  size_t size() const;

 private:
  size_t maxEntries_;
  mutable std::mutex mutex_;
  std::map<Bytes, ServerTicket> tickets_;
};

}  // namespace hp::channel
