// A TCP relay on 127.0.0.1 that holds every chunk for a fixed one-way delay before passing it
// on, and counts the bytes in each direction. This kernel has no netem, so the benchmarks
// simulate a slow link (e.g. 75 ms each way = 150 ms round trip) with this in front of a server.
// Byte counts are payload bytes (what the endpoints wrote), not TCP/IP headers.
// A bandwidth limit per direction adds each byte's serialisation time (8 ms per KB at 1 Mbit/s)
// on top of the delay: chunks queue behind each other on the link as on a real slow line.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/result.hpp"

namespace hp::bench {

class DelayRelay {
 public:
  // Listens on 127.0.0.1 (kernel-chosen port) and forwards each connection to
  // 127.0.0.1:targetPort, every chunk delayed by oneWayDelayMs in both directions.
  // listenPort 0: the kernel picks one.
  static Result<std::unique_ptr<DelayRelay>> start(uint16_t targetPort, uint32_t oneWayDelayMs,
                                                   uint16_t listenPort = 0);
  ~DelayRelay();
  DelayRelay(const DelayRelay&) = delete;
  DelayRelay& operator=(const DelayRelay&) = delete;

  uint16_t port() const { return port_; }
  void setDelayMs(uint32_t oneWayDelayMs) { delayMs_ = oneWayDelayMs; }
  // On: a connection's first client bytes leave no earlier than one round trip (2 x delay)
  // after the relay accepted it, as if they had waited for the SYN / SYN-ACK of a real link
  // (connect() to the relay itself returns at once). Off (the default): connecting is free.
  void setConnectRoundTrip(bool on) { connectRoundTrip_ = on; }
  // Every chunk read is written to `out` (or nothing when null) as one line "trace CONNECTION
  // up|down SENT_MS BYTES ARRIVES_MS", times in ms since the relay started: where a command's
  // round trips are. Call before the first connection. Times are CLOCK_MONOTONIC ms (the
  // steady clock on Linux), so traces of several relay processes merge.
  void setTrace(std::FILE* out) { trace_ = out; }
  // A line "mark MS" in the trace (when tracing): where a script's run begins or ends.
  void traceMark();
  // Link rate in bits per second per direction, 0 = unlimited. Shared by all connections of
  // this relay (one link), applied to chunks read after the call.
  void setRateBitsPerSecond(uint64_t upstream, uint64_t downstream) {
    upstreamLink_.bitsPerSecond = upstream;
    downstreamLink_.bitsPerSecond = downstream;
  }
  // Client -> target and target -> client bytes since start (or the last resetCounters).
  uint64_t bytesUpstream() const { return upstream_; }
  uint64_t bytesDownstream() const { return downstream_; }
  uint64_t bytesTotal() const { return upstream_ + downstream_; }
  void resetCounters() {
    upstream_ = 0;
    downstream_ = 0;
  }
  void stop();

 private:
  DelayRelay() = default;
  // One direction of the link: its rate and when it has sent everything queued so far.
  struct Link {
    std::atomic<uint64_t> bitsPerSecond{0};
    std::mutex mutex;  // guards freeAt
    std::chrono::steady_clock::time_point freeAt{};
    std::chrono::steady_clock::time_point sent(std::chrono::steady_clock::time_point now,
                                               size_t size);
  };
  void acceptLoop();
  struct Direction {
    int from;
    int to;
    std::atomic<uint64_t>* counter;
    Link* link;
    std::chrono::steady_clock::time_point notBefore;
    unsigned connection;
    const char* name;  // "up" / "down"
  };
  void pump(const Direction& direction);
  void traceChunk(const Direction& direction, std::chrono::steady_clock::time_point sent,
                  size_t size, std::chrono::steady_clock::time_point arrives);

  int listenFd_ = -1;
  uint16_t port_ = 0;
  uint16_t targetPort_ = 0;
  std::atomic<uint32_t> delayMs_{0};
  std::atomic<bool> connectRoundTrip_{false};
  std::atomic<std::FILE*> trace_{nullptr};
  std::mutex traceMutex_;
  unsigned connections_ = 0;  // accepted so far (the acceptor thread only)
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> upstream_{0};
  std::atomic<uint64_t> downstream_{0};
  Link upstreamLink_;
  Link downstreamLink_;
  std::thread acceptor_;
  std::mutex mutex_;  // guards threads_ and fds_
  std::vector<std::thread> threads_;
  std::vector<int> fds_;
};

}  // namespace hp::bench
