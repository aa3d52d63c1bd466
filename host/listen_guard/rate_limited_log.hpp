// Log lines for events an attacker can cause at will (refused and timed-out connections): the
// first of each kind in an interval is written as it comes, the rest are counted and written as
// one summary line when the interval ends ("refused 57 more connections in the last 10 s
// (per-source cap)"), so 10,000 connection attempts make a handful of lines, not 10,000.
// Thread-safe; times are passed in.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace hp::listen_guard {

class RateLimitedLog {
 public:
  using Sink = std::function<void(const std::string& line)>;
  explicit RateLimitedLog(Sink sink, uint64_t intervalMs = 10'000)
      : sink_(std::move(sink)), intervalMs_(intervalMs) {}

  // One event of `kind` (e.g. "refused|per-source cap"); `line` is written if it is the first
  // of its kind in the interval. `summary` is how the count is told: "refused N more
  // connections in the last 10 s (<summary>)".
  void note(const std::string& kind, const std::string& summary, const std::string& line,
            uint64_t nowMs);
  // Writes the summary of every kind whose interval has ended; call it now and then.
  void flush(uint64_t nowMs);

 private:
  struct Kind {
    std::string summary;
    uint64_t intervalStartMs = 0;
    uint64_t suppressed = 0;
  };
  void summarize(Kind& kind);  // under mutex_

  Sink sink_;
  uint64_t intervalMs_;
  std::mutex mutex_;
  std::map<std::string, Kind> kinds_;
};

}  // namespace hp::listen_guard
