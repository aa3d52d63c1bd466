// Calendar time for the notices: the Date header, the sent time, and the retry back-off, which is
// stored in the outbox and so must mean the same after a restart (a monotonic clock would not).
// Injected so tests move time without waiting.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace hp::notices {

class WallClock {
 public:
  virtual ~WallClock() = default;
  // Milliseconds since the Unix epoch, UTC.
  virtual int64_t nowUnixMs() = 0;
};

class SystemWallClock final : public WallClock {
 public:
  int64_t nowUnixMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to; for tests (safe to move while a mailer thread reads it).
class ManualWallClock final : public WallClock {
 public:
  explicit ManualWallClock(int64_t startUnixMs) : now_(startUnixMs) {}
  int64_t nowUnixMs() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return now_;
  }
  void advanceMs(int64_t ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    now_ += ms;
  }

 private:
  std::mutex mutex_;
  int64_t now_;
};

}  // namespace hp::notices
