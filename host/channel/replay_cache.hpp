// The server's memory of key shares already used, so each signed share opens at most one
// channel. Entries live until the share expires; the cache is bounded and refuses new shares
// when full rather than forgetting live ones (forgetting would reopen them to replay). Only
// shares whose signature verified are ever inserted, so only registered terminals can fill it.
// Why keep it although the server's fresh ephemeral already stops replays from producing a
// channel: docs/control-channel.md, "Is the replay cache needed?".
#pragma once

#include <cstdint>
#include <map>
#include <mutex>

#include "host/channel/crypto.hpp"

namespace hp::channel {

enum class ReplayVerdict { kFresh, kReplayed, kFull };

class ShareReplayCache {
 public:
  explicit ShareReplayCache(size_t maxEntries) : maxEntries_(maxEntries) {}
  // Records the share (by its statement hash) if it is fresh; purges expired entries first.
  ReplayVerdict remember(const Hash& shareHash, uint64_t expiresAtMs, uint64_t nowMs);
  size_t size() const;

 private:
  size_t maxEntries_;
  mutable std::mutex mutex_;
  std::map<Hash, uint64_t> expiryByShare_;
};

}  // namespace hp::channel
