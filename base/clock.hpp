// Time as the card sees it: injected so idle time-outs are tested without waiting.
#pragma once

#include <chrono>
#include <cstdint>

namespace hp::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds since an arbitrary origin.
  virtual uint64_t nowMs() = 0;
};

class SteadyClock final : public Clock {
 public:
  uint64_t nowMs() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }
};

// Milliseconds (fractional) on the steady clock since `start`: how host code measures the time a
// step took (round trips, stand-by, -v progress lines).
inline double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// A clock that only moves when told to; for tests.
class ManualClock final : public Clock {
 public:
  uint64_t nowMs() override { return now_; }
  void advanceMs(uint64_t ms) { now_ += ms; }
  void advanceMinutes(uint64_t m) { now_ += m * 60'000; }

 private:
  uint64_t now_ = 1'000'000;
};

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp
