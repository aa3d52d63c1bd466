#include "tests/security/listener_flood.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <vector>

namespace hp::security::test {

namespace {

using Clock = std::chrono::steady_clock;

int openFrom(const char* source, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 &&
       errno != EINPROGRESS)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Flood::Flood(uint16_t port, int count, std::string trickleByte)
    : port_(port), count_(count), trickle_(std::move(trickleByte)) {
  thread_ = std::thread([this] { run(); });
}

Flood::~Flood() {
  stop();
}

void Flood::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void Flood::run() {
  struct Peer {
    int fd = -1;
    bool trickles = false;
    size_t sent = 0;
    Clock::time_point next;  // reopen (fd < 0) or next trickled byte
  };
  std::vector<Peer> peers(static_cast<size_t>(count_));
  for (size_t i = 0; i < peers.size(); ++i) {
    peers[i].trickles = i % 2 == 1;
    peers[i].next = Clock::now();
  }
  while (!stopping_) {
    const auto now = Clock::now();
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < peers.size(); ++i) {
      Peer& peer = peers[i];
      if (peer.fd < 0) {
        if (now < peer.next) continue;
        peer.fd = openFrom("127.0.0.2", port_);
        peer.sent = 0;
        peer.next = now + std::chrono::seconds(2);
        if (peer.fd >= 0) ++connects_;
        if (peer.fd < 0) peer.next = now + std::chrono::milliseconds(200);
        continue;
      }
      if (peer.trickles && now >= peer.next) {
        const char byte = trickle_[peer.sent % trickle_.size()];
        if (::send(peer.fd, &byte, 1, MSG_NOSIGNAL) == 1) ++peer.sent;
        peer.next = now + std::chrono::seconds(2);
      }
      fds.push_back({peer.fd, POLLIN, 0});
      which.push_back(i);
    }
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      char sink[512];
      const ssize_t n = ::recv(fds[k].fd, sink, sizeof sink, MSG_DONTWAIT);
      if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINPROGRESS))) continue;
      // Closed (or refused) by the server: reopen a little later.
      Peer& peer = peers[which[k]];
      ::close(peer.fd);
      peer.fd = -1;
      peer.next = Clock::now() + std::chrono::milliseconds(200);
      ++closed_;
    }
  }
  for (Peer& peer : peers) {
    if (peer.fd >= 0) ::close(peer.fd);
  }
}

}  // namespace hp::security::test
