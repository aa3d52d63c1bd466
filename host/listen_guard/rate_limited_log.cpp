#include "host/listen_guard/rate_limited_log.hpp"

namespace hp::listen_guard {

void RateLimitedLog::summarize(Kind& kind) {
  if (kind.suppressed == 0) return;
  sink_(kind.summary + ": " + std::to_string(kind.suppressed) + " more in the last " +
        std::to_string(intervalMs_ / 1000) + " s");
  kind.suppressed = 0;
}

void RateLimitedLog::note(const std::string& kind, const std::string& summary,
                          const std::string& line, uint64_t nowMs) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = kinds_.try_emplace(kind);
  Kind& entry = it->second;
  if (!fresh && nowMs < entry.intervalStartMs + intervalMs_) {
    ++entry.suppressed;
    return;
  }
  summarize(entry);
  entry.summary = summary;
  entry.intervalStartMs = nowMs;
  sink_(line);
}

void RateLimitedLog::flush(uint64_t nowMs) {
  std::lock_guard lock(mutex_);
  for (auto it = kinds_.begin(); it != kinds_.end();) {
    Kind& entry = it->second;
    if (nowMs >= entry.intervalStartMs + intervalMs_) {
      summarize(entry);
      // Quiet for a whole interval: forget the kind, so the next event is written at once.
      it = kinds_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace hp::listen_guard
