#include "host/home_server/daemon/admin_socket.hpp"

#include "base/bytes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hp::home_server {

namespace {

Result<sockaddr_un> socketAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return makeError("admin socket path is empty or too long: " + path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

// Reads up to a newline (excluded) within the deadline; the line may hold a PIN, so the
// buffer is wiped by the caller.
Result<std::string> readLine(int fd, int timeoutMs) {
  std::string line;
  char byte = 0;
  while (true) {
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, timeoutMs);
    if (ready == 0) return makeError("admin socket: timed out");
    if (ready < 0 && errno == EINTR) continue;
    const ssize_t n = ::read(fd, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return makeError("admin socket: connection closed before a full line");
    if (byte == '\n') return line;
    line.push_back(byte);
    if (line.size() > kMaxAdminLineBytes) {
      secureWipe(line.data(), line.size());
      return makeError("admin socket: line too long");
    }
  }
}

Result<void> writeAll(int fd, std::string_view text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return makeError(std::string("admin socket: write: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

AdminSocketServer::AdminSocketServer(std::string path, const protocol::rpc::Dispatcher& dispatcher,
                                     ServerLog& log)
    : path_(std::move(path)), dispatcher_(dispatcher), log_(log) {}

AdminSocketServer::~AdminSocketServer() {
  stop();
}

Result<void> AdminSocketServer::start() {
  auto address = socketAddress(path_);
  if (!address) return address.error();
  struct stat existing {};
  if (::lstat(path_.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      return makeError("admin socket: " + path_ + " exists and is not a socket");
    }
    // A socket file left by a crash is removed; one a live server answers on is not.
    const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool live =
        ::connect(probe, reinterpret_cast<sockaddr*>(&*address), sizeof(sockaddr_un)) == 0;
    ::close(probe);
    if (live) return makeError("admin socket: another server is listening on " + path_);
    ::unlink(path_.c_str());
  }
  listenFd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listenFd_ < 0) return makeError(std::string("admin socket: ") + std::strerror(errno));
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&*address), sizeof(sockaddr_un)) != 0 ||
      ::chmod(path_.c_str(), 0600) != 0 || ::listen(listenFd_, 4) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listenFd_);
    listenFd_ = -1;
    return makeError("admin socket: cannot listen on " + path_ + ": " + why);
  }
  if (::pipe2(wakePipe_, O_CLOEXEC) != 0) {
    ::close(listenFd_);
    listenFd_ = -1;
    return makeError(std::string("admin socket: pipe: ") + std::strerror(errno));
  }
  started_ = true;
  thread_ = std::thread([this] { serveLoop(); });
  log_.transition("admin socket " + path_, "closed", "listening");
  return {};
}

void AdminSocketServer::stop() {
  if (stopping_.exchange(true)) return;
  if (wakePipe_[1] >= 0) (void)!::write(wakePipe_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  for (int* fd : {&listenFd_, &wakePipe_[0], &wakePipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  if (started_) ::unlink(path_.c_str());
  started_ = false;
}

void AdminSocketServer::serveLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakePipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0 || stopping_) return;
    const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    serveOne(fd);
    ::close(fd);
  }
}

void AdminSocketServer::serveOne(int fd) {
  // The 0600 mode already keeps other users out; the credential check also covers a socket
  // directory with looser rights and the window between bind() and chmod().
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 ||
      (peer.uid != ::geteuid() && peer.uid != 0)) {
    log_.warn("admin socket: refused a client of uid " + std::to_string(peer.uid));
    return;
  }
  auto line = readLine(fd, 10'000);
  if (!line) {
    log_.warn(line.error().message);
    return;
  }
  const std::string answer = dispatcher_.handle(*line, protocol::rpc::CallContext{"admin"});
  secureWipe(line->data(), line->size());
  (void)writeAll(fd, answer + "\n");
}

Result<protocol::rpc::Response> adminCall(const std::string& socketPath,
                                          const protocol::rpc::Request& request, int timeoutMs) {
  auto address = socketAddress(socketPath);
  if (!address) return address.error();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError(std::string("admin socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&*address), sizeof(sockaddr_un)) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return makeError("cannot reach the home server at " + socketPath + ": " + why);
  }
  std::string text = protocol::rpc::encodeRequest(request) + "\n";
  auto sent = writeAll(fd, text);
  secureWipe(text.data(), text.size());
  if (!sent) {
    ::close(fd);
    return sent.error();
  }
  auto line = readLine(fd, timeoutMs);
  ::close(fd);
  if (!line) return line.error();
  auto response = protocol::rpc::parseResponse(*line);
  if (!response) return makeError("admin socket: bad response: " + response.error().message);
  return response.value();
}

}  // namespace hp::home_server
