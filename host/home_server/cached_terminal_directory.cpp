#include "cached_terminal_directory.hpp"

namespace hp::home {

CachedTerminalDirectory::CachedTerminalDirectory(TerminalDirectory& inner, card::Clock& clock,
                                                 uint64_t maxAgeMs)
    : inner_(inner), clock_(clock), maxAgeMs_(maxAgeMs) {}

Result<Bytes> CachedTerminalDirectory::terminalKey(std::string_view terminalId) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    const uint64_t now = clock_.nowMs();
    auto found = entries_.find(terminalId);
    if (found != entries_.end()) {
      if (now - found->second.fetchedMs < maxAgeMs_) {
        ++hits_;
        return found->second.publicKey;
      }
      entries_.erase(found);
    }
    ++misses_;
    generation = generation_;
  }
  // Outside the lock: the card is slow, and other terminals' lookups need not wait for it.
  auto key = inner_.terminalKey(terminalId);
  if (key) {
    std::lock_guard lock(mutex_);
    if (generation == generation_) {
      entries_[std::string(terminalId)] = Entry{*key, clock_.nowMs()};
    }
  }
  return key;
}

void CachedTerminalDirectory::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  entries_.erase(id);
  ++generation_;
}

Result<void> CachedTerminalDirectory::registerTerminal(const std::string& id,
                                                       const Bytes& publicKey) {
  // Before and after: no lookup may keep an old key across the change.
  forget(id);
  auto registered = inner_.registerTerminal(id, publicKey);
  forget(id);
  return registered;
}

Result<void> CachedTerminalDirectory::revokeTerminal(const std::string& id) {
  forget(id);
  auto revoked = inner_.revokeTerminal(id);
  forget(id);
  return revoked;
}

Result<std::vector<TerminalEntry>> CachedTerminalDirectory::list() {
  return inner_.list();
}

uint64_t CachedTerminalDirectory::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

uint64_t CachedTerminalDirectory::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace hp::home
