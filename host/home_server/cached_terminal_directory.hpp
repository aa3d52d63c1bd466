// The terminal registry as the channel asks it, cached in the server: the home card's registry
// costs an APDU per lookup, and the channel looks up the terminal on every full handshake AND on
// every ticket resumption (so a revoked terminal cannot resume). With the cache a resumption
// sends no APDU to the home card.
//
// Revocation still takes effect at once: register and revoke go through this object (the admin
// socket's terminal.register / terminal.revoke), which drop the entry before they return. Only
// active terminals are cached (an unknown or revoked ID is asked again each time), and an entry
// lives at most `maxAgeMs` so a change made to the card behind the server's back (another
// program on the card, which the daemon does not expect) is seen within that time.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "clock.hpp"
#include "terminal_directory.hpp"

namespace hp::home {

class CachedTerminalDirectory final : public TerminalDirectory {
 public:
  // `inner` and `clock` must outlive this object.
  CachedTerminalDirectory(TerminalDirectory& inner, card::Clock& clock, uint64_t maxAgeMs);

  Result<Bytes> terminalKey(std::string_view terminalId) override;
  Result<void> registerTerminal(const std::string& id, const Bytes& publicKey) override;
  Result<void> revokeTerminal(const std::string& id) override;
  Result<std::vector<TerminalEntry>> list() override;

  // Lookups answered from the cache / passed to the inner directory (tests, status).
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    Bytes publicKey;
    uint64_t fetchedMs = 0;
  };
  void forget(const std::string& id);

  TerminalDirectory& inner_;
  card::Clock& clock_;
  const uint64_t maxAgeMs_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  // Bumped by every register/revoke: a lookup that started before one must not store its
  // (possibly stale) answer after it.
  uint64_t generation_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace hp::home
