#include "card/runtime/state_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "card/runtime/state_seal.hpp"

namespace hp::card::runtime {

namespace {
std::string errnoText() {
  return std::strerror(errno);
}

void syncDirectoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}
}  // namespace

Result<std::optional<SecretBytes>> readStateKey(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<SecretBytes>{};
    return makeError("cannot read card state key " + path + ": " + errnoText());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return makeError("card state key " + path + " is accessible to other users (mode " + mode +
                     "); run chmod 600 on it and check who copied it; refusing to start");
  }
  SecretBytes key(kStateKeySize + 1);
  ssize_t got = 0;
  do {
    got = ::read(fd, key.data(), key.size());
  } while (got < 0 && errno == EINTR);
  ::close(fd);
  if (got != static_cast<ssize_t>(kStateKeySize)) {
    return makeError("card state key " + path + " is damaged (not " +
                     std::to_string(kStateKeySize) + " bytes); refusing to start");
  }
  return std::optional<SecretBytes>{SecretBytes(ByteView(key.data(), kStateKeySize))};
}

Result<SecretBytes> createStateKey(const std::string& path, Rng& rng) {
  SecretBytes key(kStateKeySize);
  if (rng.fill(key.data(), key.size()) != 0) return makeError("random generator failed");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return makeError("cannot create card state key " + path + ": " + errnoText());
  ssize_t put = 0;
  do {
    put = ::write(fd, key.data(), key.size());
  } while (put < 0 && errno == EINTR);
  const bool ok = put == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  const std::string why = ok ? std::string() : errnoText();
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return makeError("cannot write card state key " + path + ": " + why);
  }
  syncDirectoryOf(path);
  return key;
}

}  // namespace hp::card::runtime
