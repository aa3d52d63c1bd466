// The terminal registry as the channel asks it, held whole in the server: the channel looks up
// the terminal on every full handshake AND on every ticket resumption (so a revoked terminal
// cannot resume), and anyone who can reach the port can send ClientHellos with made-up IDs. So
// the server reads the whole registry (REGISTRY LIST on the home card) once, and answers every
// lookup from that copy: a known ID and an unknown one alike cost no card operation.
//
// The copy is read again: after every register/revoke (they go through this object, and the
// next lookup reloads), when it is older than `maxAgeMs` (a change made to the card behind the
// server's back), and while it could not be read (the card still needs PIN1) at most once per
// `retryMs`, however many lookups arrive meanwhile.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "base/clock.hpp"
#include "host/home_server/terminals/terminal_directory.hpp"

namespace hp::home_server {

class CachedTerminalDirectory final : public TerminalDirectory {
 public:
  // `inner` and `clock` must outlive this object.
  CachedTerminalDirectory(TerminalDirectory& inner, base::Clock& clock, uint64_t maxAgeMs,
                          uint64_t retryMs = 1000);

  Result<Bytes> terminalKey(std::string_view terminalId) override;
  Result<void> registerTerminal(const std::string& id, const Bytes& publicKey) override;
  Result<void> revokeTerminal(const std::string& id) override;
  Result<std::vector<TerminalEntry>> list() override;

  // Lookups answered from the copy / readings of the whole registry (tests, status).
  uint64_t hits() const;
  uint64_t reloads() const;

 private:
  using Keys = std::map<std::string, Bytes, std::less<>>;
  static Keys activeKeys(const std::vector<TerminalEntry>& entries);
  static Result<Bytes> answer(const Keys& keys, std::string_view terminalId);
  void invalidate(const std::string& id);

  TerminalDirectory& inner_;
  base::Clock& clock_;
  const uint64_t maxAgeMs_;
  const uint64_t retryMs_;
  mutable std::mutex mutex_;
  Keys keys_;
  bool loaded_ = false;
  bool stale_ = false;  // a register/revoke since the last reading
  uint64_t loadedMs_ = 0;
  bool attempted_ = false;
  uint64_t lastAttemptMs_ = 0;
  // Bumped by every register/revoke: a reading that started before one must not be stored.
  uint64_t generation_ = 0;
  uint64_t hits_ = 0;
  uint64_t reloads_ = 0;
};

}  // namespace hp::home_server
