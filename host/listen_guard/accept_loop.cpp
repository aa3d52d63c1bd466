#include "host/listen_guard/accept_loop.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace hp::listen_guard {

namespace {

// How often the accept loop looks for connections past their deadline and writes the counts of
// suppressed log lines.
constexpr int kHousekeepingMs = 250;

void setTimeout(int fd, int option, uint32_t ms) {
  if (ms == 0) return;
  timeval timeout{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, option, &timeout, sizeof timeout);
}

}  // namespace

std::string peerAddress(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
  return text;
}

std::string peerName(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
  return peerAddress(fd) + ":" + std::to_string(ntohs(address.sin_port));
}

uint64_t steadyNowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

AcceptLoop::AcceptLoop(AcceptOptions options, Serve serve, Sink refusalLog, Sink errorLog)
    : options_(std::move(options)),
      serve_(std::move(serve)),
      errorLog_(std::move(errorLog)),
      slots_(options_.limits),
      refusals_(std::move(refusalLog), options_.refusalLogIntervalMs) {}

AcceptLoop::~AcceptLoop() {
  stop();
}

Result<void> AcceptLoop::start() {
  const std::string& prefix = options_.errorPrefix;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(options_.port);
  if (::inet_pton(AF_INET, options_.address.c_str(), &address.sin_addr) != 1) {
    return makeError(prefix + "not an IPv4 address: " + options_.address);
  }
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) return makeError(prefix + "socket: " + std::strerror(errno));
  const int on = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listenFd_, options_.backlog) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listenFd_);
    listenFd_ = -1;
    return makeError(prefix + "cannot listen on " + options_.address + ":" +
                     std::to_string(options_.port) + ": " + why);
  }
  socklen_t length = sizeof address;
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length);
  boundPort_ = ntohs(address.sin_port);
  if (::pipe2(wakePipe_, O_CLOEXEC) != 0) {
    ::close(listenFd_);
    listenFd_ = -1;
    return makeError(prefix + "pipe: " + std::strerror(errno));
  }
  acceptThread_ = std::thread([this] { run(); });
  return {};
}

bool AcceptLoop::stop() {
  if (stopping_.exchange(true)) return false;
  if (wakePipe_[1] >= 0) (void)!::write(wakePipe_[1], "x", 1);
  if (acceptThread_.joinable()) acceptThread_.join();
  {
    // Wake every connection thread blocked in a read; each then ends on its own.
    std::lock_guard lock(mutex_);
    for (Connection& connection : connections_) {
      if (connection.fd >= 0) ::shutdown(connection.fd, SHUT_RDWR);
    }
  }
  for (Connection& connection : connections_) {
    if (connection.thread.joinable()) connection.thread.join();
  }
  connections_.clear();
  for (int* fd : {&listenFd_, &wakePipe_[0], &wakePipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  return boundPort_ != 0;
}

size_t AcceptLoop::activeConnections() const {
  std::lock_guard lock(mutex_);
  size_t active = 0;
  for (const Connection& connection : connections_) active += connection.finished ? 0 : 1;
  return active;
}

Refusal AcceptLoop::establish(Connection& connection, uint64_t deadlineMs) {
  std::lock_guard lock(mutex_);
  const Refusal full = slots_.establish(connection.id);
  if (full == Refusal::kNone && deadlineMs != 0) slots_.setDeadline(connection.id, deadlineMs);
  return full;
}

void AcceptLoop::setDeadline(Connection& connection, uint64_t deadlineMs) {
  std::lock_guard lock(mutex_);
  slots_.setDeadline(connection.id, deadlineMs);
}

bool AcceptLoop::timedOut(const Connection& connection) const {
  std::lock_guard lock(mutex_);
  return connection.timedOut;
}

void AcceptLoop::setTag(Connection& connection, std::string tag) {
  std::lock_guard lock(mutex_);
  connection.tag = std::move(tag);
}

void AcceptLoop::finish(Connection& connection, const std::function<void()>& closeFd) {
  std::lock_guard lock(mutex_);
  closeFd();
  connection.fd = -1;
  connection.finished = true;
  slots_.release(connection.id);
}

size_t AcceptLoop::closeTagged(const std::string& tag) {
  std::lock_guard lock(mutex_);
  size_t closed = 0;
  for (Connection& connection : connections_) {
    if (connection.fd >= 0 && !connection.finished && connection.tag == tag) {
      // Wakes the connection thread from its read; it then ends the connection itself.
      ::shutdown(connection.fd, SHUT_RDWR);
      ++closed;
    }
  }
  return closed;
}

void AcceptLoop::reapFinished() {
  std::list<Connection> done;
  {
    std::lock_guard lock(mutex_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (it->finished) done.splice(done.end(), connections_, it);
      it = next;
    }
  }
  for (Connection& connection : done) connection.thread.join();
}

void AcceptLoop::run() {
  while (!stopping_) {
    pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakePipe_[0], POLLIN, 0}};
    const int ready = ::poll(fds, 2, kHousekeepingMs);
    if (ready < 0) {
      if (errno == EINTR) continue;
      errorLog_(std::string("listener: poll: ") + std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0 || stopping_) return;
    closeOverdue();
    refusals_.flush(steadyNowMs());
    if (ready == 0 || fds[0].revents == 0) continue;
    const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the peer gave up meanwhile, or a transient error
    reapFinished();
    admit(fd);
  }
}

void AcceptLoop::admit(int fd) {
  const std::string source = peerAddress(fd);
  std::lock_guard lock(mutex_);
  const uint64_t id = nextId_++;
  if (const Refusal refused = slots_.admit(id, source, steadyNowMs()); refused != Refusal::kNone) {
    const std::string why = refusalName(refused);
    const std::string limit =
        refused == Refusal::kSourceFull
            ? std::to_string(options_.limits.maxPendingPerSource) + " handshakes from " + source
            : std::to_string(options_.limits.maxPending) + " handshakes";
    refusals_.note("refused " + why, "refused connections (" + why + ")",
                   "connection from " + peerName(fd) + " refused (" + why + "): " + limit +
                       " already under way",
                   steadyNowMs());
    ::close(fd);
    return;
  }
  ++accepted_;
  if (options_.noDelay) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  // Per read and write; the handshake as a whole has its own deadline (closeOverdue).
  setTimeout(fd, SO_RCVTIMEO, options_.readTimeoutMs);
  setTimeout(fd, SO_SNDTIMEO, options_.sendTimeoutMs);
  Connection& connection = connections_.emplace_back();
  connection.id = id;
  connection.fd = fd;
  connection.thread = std::thread([this, &connection] { serve_(connection); });
}

void AcceptLoop::closeOverdue() {
  std::lock_guard lock(mutex_);
  const std::vector<uint64_t> late = slots_.overdue(steadyNowMs());
  if (late.empty()) return;
  for (Connection& connection : connections_) {
    if (connection.fd < 0 || connection.finished) continue;
    if (std::find(late.begin(), late.end(), connection.id) == late.end()) continue;
    // Wakes the connection thread from its read; it then ends the connection.
    connection.timedOut = true;
    ::shutdown(connection.fd, SHUT_RDWR);
  }
}

}  // namespace hp::listen_guard
