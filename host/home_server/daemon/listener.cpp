#include "host/home_server/daemon/listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "channel_connection.hpp"
#include "channel_messages.hpp"
#include "server_handshake.hpp"

namespace hp::home {

namespace {

// The peer's address alone (the per-source cap counts by it), and with its port (for logs).
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

// How often the accept loop looks for handshakes past their deadline and writes the counts of
// suppressed log lines.
constexpr int kHousekeepingMs = 250;

listen::SlotLimits slotLimits(const ListenerConfig& config) {
  listen::SlotLimits limits;
  limits.maxPending = config.maxHandshakes;
  limits.maxPendingPerSource = config.maxHandshakesPerSource;
  limits.maxEstablished = config.maxConnections;
  limits.handshakeDeadlineMs = config.handshakeTimeoutMs;
  return limits;
}

}  // namespace

Listener::Listener(ListenerConfig config, const rpc::Dispatcher& dispatcher, ServerLog& log)
    : config_(std::move(config)),
      dispatcher_(dispatcher),
      log_(log),
      slots_(slotLimits(config_)),
      refusals_([this](const std::string& line) { log_.warn(line); },
                config_.refusalLogIntervalMs) {}

uint64_t Listener::nowMs() const {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

Listener::~Listener() {
  stop();
}

Result<void> Listener::start() {
  if (!config_.registry || !config_.signer || !config_.clock || !config_.replayCache ||
      !config_.tickets || !config_.makeRng) {
    return makeError("listener: incomplete configuration");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(config_.port);
  if (::inet_pton(AF_INET, config_.address.c_str(), &address.sin_addr) != 1) {
    return makeError("listener: not an IPv4 address: " + config_.address);
  }
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) return makeError(std::string("listener: socket: ") + std::strerror(errno));
  const int on = 1;
  ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listenFd_, 16) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listenFd_);
    listenFd_ = -1;
    return makeError("listener: cannot listen on " + config_.address + ":" +
                     std::to_string(config_.port) + ": " + why);
  }
  socklen_t length = sizeof address;
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&address), &length);
  boundPort_ = ntohs(address.sin_port);
  if (::pipe2(wakePipe_, O_CLOEXEC) != 0) {
    ::close(listenFd_);
    listenFd_ = -1;
    return makeError(std::string("listener: pipe: ") + std::strerror(errno));
  }
  acceptThread_ = std::thread([this] { acceptLoop(); });
  log_.transition("listener " + config_.address + ":" + std::to_string(boundPort_), "stopped",
                  "listening");
  return {};
}

void Listener::stop() {
  if (stopping_.exchange(true)) return;
  if (wakePipe_[1] >= 0) (void)!::write(wakePipe_[1], "x", 1);
  if (acceptThread_.joinable()) acceptThread_.join();
  {
    // Wake every connection thread blocked in read(); each then ends on its own.
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
  if (boundPort_ != 0) {
    log_.transition("listener " + config_.address + ":" + std::to_string(boundPort_), "listening",
                    "stopped");
  }
}

size_t Listener::closeTerminal(const std::string& terminalId) {
  std::lock_guard lock(mutex_);
  size_t closed = 0;
  for (Connection& connection : connections_) {
    if (connection.fd >= 0 && !connection.finished && connection.terminalId == terminalId) {
      // Wakes the connection thread from read(); it then ends the connection itself.
      ::shutdown(connection.fd, SHUT_RDWR);
      ++closed;
    }
  }
  return closed;
}

size_t Listener::activeConnections() const {
  std::lock_guard lock(mutex_);
  size_t active = 0;
  for (const Connection& connection : connections_) active += connection.finished ? 0 : 1;
  return active;
}

void Listener::reapFinished() {
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

void Listener::acceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakePipe_[0], POLLIN, 0}};
    const int ready = ::poll(fds, 2, kHousekeepingMs);
    if (ready < 0) {
      if (errno == EINTR) continue;
      log_.error(std::string("listener: poll: ") + std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0 || stopping_) return;
    closeOverdue();
    refusals_.flush(nowMs());
    if (ready == 0 || fds[0].revents == 0) continue;
    const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the peer gave up meanwhile, or a transient error
    reapFinished();
    admit(fd);
  }
}

void Listener::admit(int fd) {
  const std::string source = peerAddress(fd);
  std::lock_guard lock(mutex_);
  const uint64_t id = nextId_++;
  if (const listen::Refusal refused = slots_.admit(id, source, nowMs());
      refused != listen::Refusal::kNone) {
    const std::string why = listen::refusalName(refused);
    const std::string limit =
        refused == listen::Refusal::kSourceFull
            ? std::to_string(config_.maxHandshakesPerSource) + " handshakes from " + source
            : std::to_string(config_.maxHandshakes) + " handshakes";
    refusals_.note("refused " + why, "refused connections (" + why + ")",
                   "connection from " + peerName(fd) + " refused (" + why + "): " + limit +
                       " already under way",
                   nowMs());
    ::close(fd);
    return;
  }
  ++accepted_;
  // Per read; the handshake as a whole has its own deadline (closeOverdue).
  timeval timeout{static_cast<time_t>(config_.idleTimeoutMs / 1000),
                  static_cast<suseconds_t>((config_.idleTimeoutMs % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  Connection& connection = connections_.emplace_back();
  connection.id = id;
  connection.fd = fd;
  connection.thread = std::thread([this, &connection] { serve(connection); });
}

void Listener::closeOverdue() {
  std::lock_guard lock(mutex_);
  const std::vector<uint64_t> late = slots_.overdue(nowMs());
  if (late.empty()) return;
  for (Connection& connection : connections_) {
    if (connection.fd < 0 || connection.finished) continue;
    if (std::find(late.begin(), late.end(), connection.id) == late.end()) continue;
    // Wakes the connection thread from its read; its handshake then fails and it ends.
    connection.timedOut = true;
    ::shutdown(connection.fd, SHUT_RDWR);
  }
}

void Listener::serve(Connection& connection) {
  const int fd = connection.fd;
  const std::string peer = peerName(fd);
  // Called once, whatever happens: the fd leaves the set stop() shuts down before it closes.
  auto finish = [this, &connection](std::unique_ptr<channel::ChannelConnection> channel) {
    std::lock_guard lock(mutex_);
    if (!channel && connection.fd >= 0) ::close(connection.fd);
    channel.reset();  // closes the fd it owns
    connection.fd = -1;
    connection.finished = true;
    slots_.release(connection.id);
  };

  auto rng = config_.makeRng();
  if (!rng) {
    log_.error("connection " + peer + ": no random generator: " + rng.error().message);
    finish(nullptr);
    return;
  }
  channel::ServerConfig channelConfig;
  channelConfig.registry = config_.registry;
  channelConfig.signer = config_.signer;
  channelConfig.clock = config_.clock;
  channelConfig.rng = rng->get();
  channelConfig.replayCache = config_.replayCache;
  channelConfig.tickets = config_.tickets;
  channelConfig.log = [this, peer](std::string_view line) {
    log_.debug("channel " + peer + ": " + std::string(line));
  };
  channel::ServerHandshake handshake(channelConfig);
  auto accepted = channel::ChannelConnection::acceptFromTerminal(fd, handshake);
  if (!accepted) {
    bool timedOut = false;
    {
      std::lock_guard lock(mutex_);
      timedOut = connection.timedOut;
    }
    // Anyone can cause these: one line per kind and interval, the rest counted.
    if (timedOut) {
      refusals_.note("handshake timeout", "connections closed (handshake timeout)",
                     "connection " + peer + " closed: no handshake within " +
                         std::to_string(config_.handshakeTimeoutMs) + " ms",
                     nowMs());
    } else {
      refusals_.note("handshake refused", "connections refused (handshake failed)",
                     "connection " + peer + " refused: " + accepted.error().message, nowMs());
    }
    finish(nullptr);
    return;
  }
  std::unique_ptr<channel::ChannelConnection> channel = std::move(accepted.value());
  listen::Refusal full = listen::Refusal::kNone;
  {
    std::lock_guard lock(mutex_);
    full = slots_.establish(connection.id);
  }
  if (full != listen::Refusal::kNone) {
    refusals_.note("refused connection cap", "terminals refused (connection cap)",
                   "terminal " + handshake.terminalId() + " (" + peer + ") refused: " +
                       std::to_string(config_.maxConnections) + " terminals already connected",
                   nowMs());
    finish(std::move(channel));
    return;
  }
  SecretBytes attachment;  // a response's binary part (session.open's hand-out), wiped after
  const rpc::CallContext caller{handshake.terminalId(), &attachment};
  {
    std::lock_guard lock(mutex_);
    connection.terminalId = caller.terminalId;
  }
  // A revocation that raced with this handshake (the registry answered just before it) found
  // no terminal ID here to close; asking again now, after the ID is visible to closeTerminal,
  // closes that gap (the cached registry answers without the card).
  if (auto still = config_.registry->terminalKey(caller.terminalId); !still) {
    log_.warn("terminal " + caller.terminalId + " (" + peer +
              ") refused after its handshake: " + still.error().message);
    finish(std::move(channel));
    return;
  }
  log_.transition("terminal " + caller.terminalId + " (" + peer + ")", "connecting",
                  handshake.resumed() ? "connected (resumed)" : "connected");
  std::string ending = "closed";
  while (true) {
    auto message = rpc::receiveMessage(*channel);
    if (!message) {
      // A forged, replayed or truncated record: the record layer cannot go on after it.
      ending = "dropped (" + message.error().message + ")";
      break;
    }
    if (!message->has_value()) {
      (void)channel->close();
      break;
    }
    const std::string answer = dispatcher_.handle(**message, caller);
    auto sent = rpc::sendMessage(*channel, answer, attachment.view());
    attachment.clear();
    if (!sent) {
      ending = "dropped (" + sent.error().message + ")";
      break;
    }
  }
  log_.transition("terminal " + caller.terminalId + " (" + peer + ")", "connected", ending);
  finish(std::move(channel));
}

}  // namespace hp::home
