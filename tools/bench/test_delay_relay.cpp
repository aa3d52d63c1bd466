// The slow-link relay's timing (loose bounds: the machine is shared): the delay is latency, the
// rate limit adds 8 ms per KB at 1 Mbit/s in its own direction only, and bytes are counted.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <arpa/inet.h>
#include <doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "tools/bench/delay_relay.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// A listening socket on 127.0.0.1 (kernel-chosen port).
int listenLoopback(uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  port = ntohs(address.sin_port);
  return fd;
}

int connectLoopback(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  return fd;
}

bool readExactly(int fd, size_t size) {
  std::vector<uint8_t> buffer(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::recv(fd, buffer.data() + done, size - done, 0);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void writeAll(int fd, size_t size) {
  const std::vector<uint8_t> data(size, 0x5a);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::send(fd, data.data() + done, size - done, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    done += static_cast<size_t>(n);
  }
}

struct Timing {
  double upMs = 0;    // client's write until the target has read it all
  double downMs = 0;  // target's write until the client has read it all
};

// Sends `size` bytes client -> target, then the same back, through a relay with `delayMs` one
// way and `kbitUp` kbit/s upstream (downstream unlimited).
Timing measure(uint32_t delayMs, uint64_t kbitUp, size_t size,
               std::unique_ptr<hp::bench::DelayRelay>& relay) {
  uint16_t targetPort = 0;
  const int listener = listenLoopback(targetPort);
  auto started = hp::bench::DelayRelay::start(targetPort, delayMs);
  REQUIRE(static_cast<bool>(started));
  relay = std::move(started.value());
  relay->setRateBitsPerSecond(kbitUp * 1000, 0);
  const int client = connectLoopback(relay->port());
  const int target = ::accept(listener, nullptr, nullptr);
  REQUIRE(target >= 0);
  Timing timing;
  auto start = Clock::now();
  writeAll(client, size);
  REQUIRE(readExactly(target, size));
  timing.upMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  start = Clock::now();
  writeAll(target, size);
  REQUIRE(readExactly(client, size));
  timing.downMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  ::close(client);
  ::close(target);
  ::close(listener);
  return timing;
}

}  // namespace

TEST_CASE("the delay is latency: 16 KB each way take about the delay, not more") {
  std::unique_ptr<hp::bench::DelayRelay> relay;
  const Timing timing = measure(30, 0, 16384, relay);
  CHECK(timing.upMs >= 29);
  CHECK(timing.upMs < 250);
  CHECK(timing.downMs >= 29);
  CHECK(timing.downMs < 250);
  CHECK(relay->bytesUpstream() == 16384);
  CHECK(relay->bytesDownstream() == 16384);
}

TEST_CASE("1 Mbit/s upstream adds ~8 ms per KB on top of the delay, upstream only") {
  std::unique_ptr<hp::bench::DelayRelay> relay;
  // 32 KB at 1 Mbit/s: 262 ms of serialisation + 30 ms delay = 292 ms.
  const Timing timing = measure(30, 1000, 32768, relay);
  CHECK(timing.upMs >= 285);
  CHECK(timing.upMs < 900);
  // Downstream is unlimited: only the delay.
  CHECK(timing.downMs >= 29);
  CHECK(timing.downMs < 250);
  CHECK(relay->bytesTotal() == 2 * 32768);
}

TEST_CASE("the link is shared: two connections' bytes queue behind each other") {
  uint16_t targetPort = 0;
  const int listener = listenLoopback(targetPort);
  auto started = hp::bench::DelayRelay::start(targetPort, 0);
  REQUIRE(static_cast<bool>(started));
  auto& relay = *started;
  relay->setRateBitsPerSecond(1'000'000, 0);
  const int first = connectLoopback(relay->port());
  const int firstTarget = ::accept(listener, nullptr, nullptr);
  const int second = connectLoopback(relay->port());
  const int secondTarget = ::accept(listener, nullptr, nullptr);
  const auto start = Clock::now();
  writeAll(first, 16384);
  writeAll(second, 16384);
  // Both together are 32 KB on one 1 Mbit/s link: 262 ms, the second finishes last.
  REQUIRE(readExactly(firstTarget, 16384));
  REQUIRE(readExactly(secondTarget, 16384));
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  CHECK(ms >= 255);
  CHECK(ms < 900);
  for (int fd : {first, firstTarget, second, secondTarget, listener}) ::close(fd);
}

TEST_CASE(
    "--syn-rtt: a connection's first bytes pay the TCP handshake's round trip, later ones not") {
  uint16_t targetPort = 0;
  const int listener = listenLoopback(targetPort);
  auto started = hp::bench::DelayRelay::start(targetPort, 30);
  REQUIRE(static_cast<bool>(started));
  auto& relay = *started;
  relay->setConnectRoundTrip(true);
  const auto start = Clock::now();
  const int client = connectLoopback(relay->port());
  const int target = ::accept(listener, nullptr, nullptr);
  writeAll(client, 100);
  REQUIRE(readExactly(target, 100));
  // SYN, SYN-ACK (60 ms), then the bytes' own 30 ms.
  const double first = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  CHECK(first >= 89);
  CHECK(first < 400);
  const auto again = Clock::now();
  writeAll(client, 100);
  REQUIRE(readExactly(target, 100));
  const double second = std::chrono::duration<double, std::milli>(Clock::now() - again).count();
  CHECK(second >= 29);
  CHECK(second < 85);
  for (int fd : {client, target, listener}) ::close(fd);
}
