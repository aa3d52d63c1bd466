// Resumption tickets (the seed's "previously hold" the channel key). After a full handshake the
// server keeps the resumption secret under a random ticket ID until it expires; the terminal
// keeps the same secret with the ID. The server's store is bounded: when full it drops the
// ticket closest to expiry, which only costs that terminal a full handshake.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "bytes.hpp"
#include "result.hpp"

namespace hp::channel {

// What the terminal keeps to resume later.
struct ClientTicket {
  Bytes ticketId;
  SecretBytes resumptionSecret;
  uint64_t expiresAtMs = 0;
};

// The terminal keeps its ticket on the access card (data object DF 34, docs/proxy-architecture.md),
// not in a file: 01 (format) || ticket ID (16) || expiry ms (8, big-endian) || secret (32).
// The encoding holds the secret, hence SecretBytes.
inline constexpr size_t kEncodedClientTicketSize = 1 + 16 + 8 + 32;
SecretBytes encodeClientTicket(const ClientTicket& ticket);
Result<ClientTicket> decodeClientTicket(ByteView encoded);

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
  // On kFound fills `ticket`; an expired ticket is erased (and its secret wiped).
  TicketLookup find(const Bytes& ticketId, uint64_t nowMs, ServerTicket& ticket);
  void revokeTerminal(const std::string& terminalId);
  size_t size() const;

 private:
  size_t maxEntries_;
  mutable std::mutex mutex_;
  std::map<Bytes, ServerTicket> tickets_;
};

}  // namespace hp::channel
