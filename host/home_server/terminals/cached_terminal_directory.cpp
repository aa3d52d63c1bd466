#include "host/home_server/terminals/cached_terminal_directory.hpp"

namespace hp::home_server {

CachedTerminalDirectory::CachedTerminalDirectory(TerminalDirectory& inner, base::Clock& clock,
                                                 uint64_t maxAgeMs, uint64_t retryMs)
    : inner_(inner), clock_(clock), maxAgeMs_(maxAgeMs), retryMs_(retryMs) {}

CachedTerminalDirectory::Keys CachedTerminalDirectory::activeKeys(
    const std::vector<TerminalEntry>& entries) {
  Keys keys;
  for (const TerminalEntry& entry : entries) {
    if (!entry.revoked) keys[entry.id] = entry.publicKey;
  }
  return keys;
}

Result<Bytes> CachedTerminalDirectory::answer(const Keys& keys, std::string_view terminalId) {
  const auto found = keys.find(terminalId);
  if (found == keys.end()) return makeError("unknown terminal");
  return found->second;
}

Result<Bytes> CachedTerminalDirectory::terminalKey(std::string_view terminalId) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    const uint64_t now = clock_.nowMs();
    const bool fresh = loaded_ && !stale_ && now - loadedMs_ < maxAgeMs_;
    const bool mayRetry = !attempted_ || now - lastAttemptMs_ >= retryMs_;
    if (fresh || !mayRetry) {
      // From the copy (a stale one until the next reading is due), or refused while the
      // registry cannot be read: no card operation either way.
      if (!loaded_) return makeError("terminal registry not readable yet (home card needs PIN1?)");
      ++hits_;
      return answer(keys_, terminalId);
    }
    attempted_ = true;
    lastAttemptMs_ = now;
    ++reloads_;
    generation = generation_;
  }
  // Outside the lock: the card is slow, and other lookups answer from the old copy meanwhile.
  auto all = inner_.list();
  if (!all) return all.error();
  Keys keys = activeKeys(*all);
  auto result = answer(keys, terminalId);
  std::lock_guard lock(mutex_);
  if (generation == generation_) {
    keys_ = std::move(keys);
    loaded_ = true;
    stale_ = false;
    loadedMs_ = clock_.nowMs();
  }
  return result;
}

void CachedTerminalDirectory::invalidate(const std::string& id) {
  std::lock_guard lock(mutex_);
  ++generation_;
  // The next lookup reads the registry again at once. Meanwhile (a reading under way) the old
  // copy answers for the others, never for the changed ID: a revocation takes effect at once.
  keys_.erase(id);
  stale_ = true;
  attempted_ = false;
}

Result<void> CachedTerminalDirectory::registerTerminal(const std::string& id,
                                                       const Bytes& publicKey) {
  // Before and after: no reading may keep an old key across the change.
  invalidate(id);
  auto registered = inner_.registerTerminal(id, publicKey);
  invalidate(id);
  return registered;
}

Result<void> CachedTerminalDirectory::revokeTerminal(const std::string& id) {
  invalidate(id);
  auto revoked = inner_.revokeTerminal(id);
  invalidate(id);
  return revoked;
}

Result<std::vector<TerminalEntry>> CachedTerminalDirectory::list() {
  return inner_.list();
}

uint64_t CachedTerminalDirectory::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

uint64_t CachedTerminalDirectory::reloads() const {
  std::lock_guard lock(mutex_);
  return reloads_;
}

}  // namespace hp::home_server
