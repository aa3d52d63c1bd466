#include "host/terminal/agent_socket.hpp"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace hp::terminal {

namespace {

Result<void> writeAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return makeError(std::string("agent socket write: ") + std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

// false at a clean end before the first byte; an error for an end inside the message.
Result<bool> readExact(int fd, uint8_t* out, size_t size, bool atStart) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return makeError(std::string("agent socket read: ") + std::strerror(errno));
    if (n == 0) {
      if (atStart && done == 0) return false;
      return makeError("agent socket: the message was cut");
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

void putU32(uint8_t* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(value >> (24 - 8 * i));
}

uint32_t getU32(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
}

Result<sockaddr_un> socketAddress(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return makeError("agent socket path too long");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

}  // namespace

std::string agentDirectory(bool create) {
  std::string dir;
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime != nullptr && *runtime) {
    dir = std::string(runtime) + "/homeproxy";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
    const std::string cache = std::string(home) + "/.cache";
    if (create) ::mkdir(cache.c_str(), 0700);  // may exist; failures show at the next step
    dir = cache + "/homeproxy";
  } else {
    dir = "/tmp/homeproxy-" + std::to_string(::getuid());
  }
  if (create) ::mkdir(dir.c_str(), 0700);
  return dir;
}

std::string agentPath(const std::string& readerName, const char* suffix) {
  std::string name;
  for (char c : readerName) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    name.push_back(plain ? c : '_');
  }
  return agentDirectory(/*create=*/true) + "/agent-" + name + "." + suffix;
}

std::vector<std::string> agentSockets() {
  std::vector<std::string> found;
  const std::string dir = agentDirectory(/*create=*/false);
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return found;
  while (const dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (name.rfind("agent-", 0) == 0 && name.size() > 5 &&
        name.compare(name.size() - 5, 5, ".sock") == 0) {
      found.push_back(dir + "/" + name);
    }
  }
  ::closedir(listing);
  std::sort(found.begin(), found.end());
  return found;
}

bool ownedByUsAlone(const std::string& path, bool socket) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || info.st_uid != ::geteuid()) return false;
  if (socket) return S_ISSOCK(info.st_mode) && (info.st_mode & 0077) == 0;
  return S_ISDIR(info.st_mode) && (info.st_mode & 0077) == 0;
}

bool peerAllowed(uid_t peerUid, uid_t ownUid) {
  return peerUid == ownUid;
}

std::optional<uid_t> peerUid(int fd) {
  ucred credentials{};
  socklen_t size = sizeof credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0 ||
      size != sizeof credentials) {
    return std::nullopt;
  }
  return credentials.uid;
}

Result<int> listenAgentSocket(const std::string& path) {
  auto address = socketAddress(path);
  if (!address) return address.error();
  const std::string dir = path.substr(0, path.rfind('/'));
  if (!ownedByUsAlone(dir, /*socket=*/false)) {
    return makeError("agent directory " + dir + " is not ours alone (owner, mode 0700)");
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError("agent socket: " + std::string(std::strerror(errno)));
  ::unlink(path.c_str());  // a dead agent's file (we hold the reader's agent lock)
  // The umask makes the socket 0600 from its creation: no window in which others could connect.
  const mode_t old = ::umask(0177);
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof *address);
  ::umask(old);
  if (bound != 0 || ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 8) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return makeError("agent socket " + path + ": " + why);
  }
  return fd;
}

Result<int> connectAgentSocket(const std::string& path) {
  auto address = socketAddress(path);
  if (!address) return address.error();
  if (!ownedByUsAlone(path.substr(0, path.rfind('/')), false) || !ownedByUsAlone(path, true)) {
    return makeError("agent socket " + path + " is not ours alone: not used");
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError("agent socket: " + std::string(std::strerror(errno)));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof *address) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return makeError("no agent at " + path + ": " + why);
  }
  return fd;
}

Result<void> writeAgentMessage(int fd, const std::string& text, ByteView attachment) {
  if (text.size() > kMaxAgentText || attachment.size() > kMaxAgentAttachment) {
    return makeError("agent message too large");
  }
  uint8_t header[8];
  putU32(header, static_cast<uint32_t>(text.size()));
  putU32(header + 4, static_cast<uint32_t>(attachment.size()));
  if (auto sent = writeAll(fd, header, sizeof header); !sent) return sent;
  if (auto sent = writeAll(fd, reinterpret_cast<const uint8_t*>(text.data()), text.size()); !sent) {
    return sent;
  }
  return writeAll(fd, attachment.data(), attachment.size());
}

Result<std::optional<AgentMessage>> readAgentMessage(int fd) {
  uint8_t header[8];
  auto got = readExact(fd, header, sizeof header, /*atStart=*/true);
  if (!got) return got.error();
  if (!*got) return std::optional<AgentMessage>{};
  const uint32_t textSize = getU32(header);
  const uint32_t attachmentSize = getU32(header + 4);
  // Bounded before anything is allocated: the peer is trusted only as far as its uid.
  if (textSize > kMaxAgentText || attachmentSize > kMaxAgentAttachment) {
    return makeError("agent message too large");
  }
  AgentMessage message;
  message.text.resize(textSize);
  if (auto body = readExact(fd, reinterpret_cast<uint8_t*>(message.text.data()), textSize, false);
      !body) {
    return body.error();
  }
  message.attachment = SecretBytes(attachmentSize);
  if (auto body = readExact(fd, message.attachment.data(), attachmentSize, false); !body) {
    return body.error();
  }
  return std::optional<AgentMessage>(std::move(message));
}

}  // namespace hp::terminal
