#include "listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "channel_connection.hpp"
#include "channel_messages.hpp"
#include "server_handshake.hpp"

namespace hp::home {

namespace {

std::string peerName(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(address.sin_port));
}

}  // namespace

Listener::Listener(ListenerConfig config, const rpc::Dispatcher& dispatcher, ServerLog& log)
    : config_(std::move(config)), dispatcher_(dispatcher), log_(log) {}

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
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log_.error(std::string("listener: poll: ") + std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0 || stopping_) return;
    const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the peer gave up meanwhile, or a transient error
    reapFinished();
    const std::string peer = peerName(fd);
    if (activeConnections() >= config_.maxConnections) {
      log_.warn("connection from " + peer + " refused: " + std::to_string(config_.maxConnections) +
                " connections already open");
      ::close(fd);
      continue;
    }
    ++accepted_;
    timeval timeout{static_cast<time_t>(config_.idleTimeoutMs / 1000),
                    static_cast<suseconds_t>((config_.idleTimeoutMs % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::lock_guard lock(mutex_);
    Connection& connection = connections_.emplace_back();
    connection.fd = fd;
    connection.thread = std::thread([this, &connection] { serve(connection); });
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
    log_.warn("connection " + peer + " refused: " + accepted.error().message);
    finish(nullptr);
    return;
  }
  std::unique_ptr<channel::ChannelConnection> channel = std::move(accepted.value());
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
