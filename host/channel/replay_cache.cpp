#include "host/channel/replay_cache.hpp"

#include <iterator>

namespace hp::channel {

ReplayVerdict ShareReplayCache::remember(const Hash& shareHash, uint64_t expiresAtMs,
                                         uint64_t nowMs) {
  std::lock_guard lock(mutex_);
  std::erase_if(expiryByShare_, [nowMs](const auto& entry) { return entry.second <= nowMs; });
  if (expiryByShare_.contains(shareHash)) return ReplayVerdict::kReplayed;
  if (expiryByShare_.size() >= maxEntries_) return ReplayVerdict::kFull;
  expiryByShare_.emplace(shareHash, expiresAtMs);
  return ReplayVerdict::kFresh;
}

size_t ShareReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return expiryByShare_.size();
}

}  // namespace hp::channel
