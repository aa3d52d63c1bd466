// An attacker against a listener: `count` TCP connections to 127.0.0.1:port from another
// loopback address (127.0.0.2; the honest client stays on 127.0.0.1), half of them silent and
// half trickling one byte every two seconds, each reopened 200 ms after the server closes it.
// Runs on its own thread until stop() or the destructor; bounded by the caller's duration.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace hp::security::test {

class Flood {
 public:
  Flood(uint16_t port, int count, std::string trickleByte);
  ~Flood();
  void stop();
  uint64_t connects() const { return connects_.load(); }
  uint64_t closedByServer() const { return closed_.load(); }

 private:
  void run();
  uint16_t port_;
  int count_;
  std::string trickle_;  // what the trickling half sends, one byte at a time, round and round
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> closed_{0};
  std::thread thread_;
};

// Lines of `lines` that contain any of `words`.
template <class Lines>
size_t countLines(const Lines& lines, std::initializer_list<const char*> words) {
  size_t count = 0;
  for (const auto& line : lines) {
    for (const char* word : words) {
      if (std::string(line).find(word) != std::string::npos) {
        ++count;
        break;
      }
    }
  }
  return count;
}

}  // namespace hp::security::test
