#include "host/home_server/pim/radicale_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace hp::home_server {

namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

int msLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  pollfd poller{fd, events, 0};
  for (;;) {
    const int ready = ::poll(&poller, 1, msLeft(deadline));
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

Result<void> connectLoopback(int fd, uint16_t port, Clock::time_point deadline) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string where = "Radicale is not running on 127.0.0.1:" + std::to_string(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return {};
  if (errno != EINPROGRESS) return makeError(where + " (" + std::strerror(errno) + ")");
  if (!waitFor(fd, POLLOUT, deadline)) return makeError(where + " (connect timed out)");
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) return makeError(where + " (" + std::strerror(error) + ")");
  return {};
}

Result<void> sendAll(int fd, const std::string& bytes, Clock::time_point deadline) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!waitFor(fd, POLLOUT, deadline)) return makeError("Radicale did not take the request");
    } else {
      return makeError(std::string("Radicale closed while taking the request: ") +
                       std::strerror(errno));
    }
  }
  return {};
}

Result<std::string> readToClose(int fd, const RadicaleTarget& target, Clock::time_point deadline) {
  std::string raw;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) return raw;
    if (n > 0) {
      raw.append(buffer, static_cast<size_t>(n));
      if (raw.size() > target.maxBytes) {
        return makeError("Radicale answered more than " + std::to_string(target.maxBytes) +
                         " bytes");
      }
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!waitFor(fd, POLLIN, deadline)) return makeError("Radicale did not answer in time");
    } else {
      return makeError(std::string("Radicale's answer was cut: ") + std::strerror(errno));
    }
  }
}

}  // namespace

Result<protocol::http::Response> exchangeWithRadicale(const RadicaleTarget& target,
                                                      const std::string& request) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(target.timeoutMs);
  Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) return makeError(std::string("socket: ") + std::strerror(errno));
  if (auto connected = connectLoopback(socket.fd(), target.port, deadline); !connected) {
    return connected.error();
  }
  if (auto sent = sendAll(socket.fd(), request, deadline); !sent) return sent.error();
  auto raw = readToClose(socket.fd(), target, deadline);
  if (!raw) return raw.error();
  if (raw->empty()) return makeError("Radicale closed without answering");
  protocol::http::Limits limits = protocol::http::kResponseLimits;
  limits.maxBodyBytes = target.maxBytes;
  auto parsed = protocol::http::parseResponse(*raw, limits);
  if (!parsed) return makeError("Radicale's answer is not HTTP: " + parsed.error().message);
  return parsed;
}

}  // namespace hp::home_server
