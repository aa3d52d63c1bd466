#include "tools/bench/delay_relay.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>

#include "base/bytes.hpp"

namespace hp::bench {

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
constexpr ssize_t kSegmentBytes = 1448;  // a TCP segment's payload on Ethernet with timestamps

int connectLoopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void noDelay(int fd) {
  // The relay adds its own delay; Nagle on top would distort the simulated link.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool writeAll(int fd, const Bytes& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<DelayRelay>> DelayRelay::start(uint16_t targetPort, uint32_t oneWayDelayMs,
                                                      uint16_t listenPort) {
  std::unique_ptr<DelayRelay> relay(new DelayRelay());
  relay->targetPort_ = targetPort;
  relay->delayMs_ = oneWayDelayMs;
  relay->listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (relay->listenFd_ < 0) return makeError("relay: socket failed");
  int one = 1;
  ::setsockopt(relay->listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(listenPort);
  socklen_t length = sizeof address;
  if (::bind(relay->listenFd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(relay->listenFd_, 256) != 0 ||
      ::getsockname(relay->listenFd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return makeError("relay: cannot listen on 127.0.0.1");
  }
  relay->port_ = ntohs(address.sin_port);
  relay->acceptor_ = std::thread([r = relay.get()] { r->acceptLoop(); });
  return relay;
}

DelayRelay::~DelayRelay() {
  stop();
}

void DelayRelay::stop() {
  if (stopping_.exchange(true)) return;
  if (listenFd_ >= 0) ::shutdown(listenFd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listenFd_ >= 0) ::close(listenFd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
  std::lock_guard lock(mutex_);
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

void DelayRelay::acceptLoop() {
  while (!stopping_) {
    pollfd p{listenFd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int target = connectLoopback(targetPort_);
    if (target < 0) {
      ::close(client);
      continue;
    }
    noDelay(client);
    noDelay(target);
    std::lock_guard lock(mutex_);
    fds_.push_back(client);
    fds_.push_back(target);
    const auto accepted = std::chrono::steady_clock::now();
    const auto connected =
        connectRoundTrip_ ? accepted + 2 * std::chrono::milliseconds(delayMs_.load()) : accepted;
    ++connections_;
    const Direction up{client, target, &upstream_, &upstreamLink_, connected, connections_, "up"};
    const Direction down{target,   client,       &downstream_, &downstreamLink_,
                         accepted, connections_, "down"};
    threads_.emplace_back([this, up] { pump(up); });
    threads_.emplace_back([this, down] { pump(down); });
  }
}

// When a segment of `size` bytes read now has left a link of `link`'s rate: it waits for the
// segments before it (of every connection on this relay), then takes size * 8 / rate seconds.
SteadyTime DelayRelay::Link::sent(SteadyTime now, size_t size) {
  const uint64_t rate = bitsPerSecond.load();
  if (rate == 0) return now;
  std::lock_guard lock(mutex);
  const auto start = std::max(now, freeAt);
  freeAt = start + std::chrono::nanoseconds(size * 8 * 1'000'000'000ULL / rate);
  return freeAt;
}

// One direction: a reader queues each segment with its due time (serialisation on the link,
// then the delay), this thread's writer half delivers it then. Reading continues while segments
// wait, so the delay is latency; the rate limit is what makes a large write take longer.
// EOF is passed on (shutdown of the write side) after the queued data.
void DelayRelay::traceChunk(const Direction& direction, SteadyTime sent, size_t size,
                            SteadyTime arrives) {
  const auto ms = [](SteadyTime t) {
    return std::chrono::duration<double, std::milli>(t.time_since_epoch()).count();
  };
  std::lock_guard lock(traceMutex_);
  std::fprintf(trace_.load(), "trace %u %s %.1f %zu %.1f\n", direction.connection, direction.name,
               ms(sent), size, ms(arrives));
  std::fflush(trace_.load());
}

void DelayRelay::traceMark() {
  if (trace_ == nullptr) return;
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  std::lock_guard lock(traceMutex_);
  std::fprintf(trace_.load(), "mark %.1f\n",
               std::chrono::duration<double, std::milli>(now).count());
  std::fflush(trace_.load());
}

void DelayRelay::pump(const Direction& direction) {
  const int from = direction.from;
  const int to = direction.to;
  Link& link = *direction.link;
  std::mutex queueMutex;
  std::condition_variable queueChanged;
  std::deque<std::pair<SteadyTime, Bytes>> queue;
  bool ended = false;
  std::thread writer([&] {
    std::unique_lock lock(queueMutex);
    while (true) {
      queueChanged.wait(lock, [&] { return ended || !queue.empty(); });
      if (queue.empty()) break;  // ended and drained
      auto [due, chunk] = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      std::this_thread::sleep_until(due);
      const bool ok = writeAll(to, chunk);
      lock.lock();
      if (!ok) break;
    }
    ::shutdown(to, SHUT_WR);
  });
  Bytes buffer(16384);
  while (true) {
    const ssize_t n = ::recv(from, buffer.data(), buffer.size(), 0);
    if (n <= 0) break;
    *direction.counter += static_cast<uint64_t>(n);
    const auto now = std::max(std::chrono::steady_clock::now(), direction.notBefore);
    const auto delay = std::chrono::milliseconds(delayMs_.load());
    std::lock_guard lock(queueMutex);
    // Segments of one Ethernet payload each: a slow link delivers a large write piece by piece.
    for (ssize_t offset = 0; offset < n; offset += kSegmentBytes) {
      const ssize_t end = std::min(n, offset + kSegmentBytes);
      const auto due = link.sent(now, static_cast<size_t>(end - offset)) + delay;
      queue.emplace_back(due, Bytes(buffer.begin() + offset, buffer.begin() + end));
    }
    if (trace_ != nullptr) traceChunk(direction, now, static_cast<size_t>(n), queue.back().first);
    queueChanged.notify_one();
  }
  {
    std::lock_guard lock(queueMutex);
    ended = true;
    queueChanged.notify_one();
  }
  writer.join();
}

}  // namespace hp::bench
