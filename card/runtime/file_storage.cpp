#include "card/runtime/file_storage.hpp"

#include <fcntl.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "card/runtime/state_key.hpp"
#include "card/runtime/state_seal.hpp"

namespace hp::card::runtime {

namespace {
constexpr char kMagic[8] = {'H', 'P', 'C', 'A', 'R', 'D', '0', '1'};
constexpr size_t kHeader = sizeof kMagic + 4;
constexpr size_t kDigest = 32;
constexpr size_t kMaxPayload = 16u * 1024 * 1024;

std::string errnoText() {
  return std::strerror(errno);
}

std::string directoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void syncDirectory(const std::string& path) {
  const int dfd = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

bool writeAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

Bytes FileStorage::encodeLegacy(ByteView payload) {
  Bytes out(kMagic, kMagic + sizeof kMagic);
  const auto n = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<uint8_t>(n >> 24));
  out.push_back(static_cast<uint8_t>(n >> 16));
  out.push_back(static_cast<uint8_t>(n >> 8));
  out.push_back(static_cast<uint8_t>(n));
  append(out, payload);
  uint8_t digest[kDigest];
  mbedtls_sha256_ret(out.data(), out.size(), digest, 0);
  out.insert(out.end(), digest, digest + kDigest);
  return out;
}

Result<Bytes> FileStorage::decodeLegacy(ByteView file, const std::string& path) {
  if (file.size() < kHeader + kDigest) {
    return makeError("card state file " + path + " is truncated (" + std::to_string(file.size()) +
                     " bytes); refusing to start rather than reset the card");
  }
  if (std::memcmp(file.data(), kMagic, sizeof kMagic) != 0) {
    return makeError("card state file " + path +
                     " is not a homeproxy card state (bad magic); refusing to start");
  }
  const size_t n = (static_cast<size_t>(file[8]) << 24) | (static_cast<size_t>(file[9]) << 16) |
                   (static_cast<size_t>(file[10]) << 8) | file[11];
  if (file.size() != kHeader + n + kDigest) {
    return makeError("card state file " + path + " has the wrong length (header says " +
                     std::to_string(n) + " payload bytes, file holds " +
                     std::to_string(file.size()) +
                     " bytes): truncated or damaged; refusing to start");
  }
  uint8_t digest[kDigest];
  mbedtls_sha256_ret(file.data(), kHeader + n, digest, 0);
  if (!constantTimeEqual(ByteView(digest, kDigest), file.subspan(kHeader + n, kDigest))) {
    return makeError(
        "card state file " + path +
        " fails its checksum: corrupted; refusing to start rather than reset the card");
  }
  return Bytes(file.begin() + kHeader, file.begin() + static_cast<long>(kHeader + n));
}

Result<std::unique_ptr<FileStorage>> FileStorage::open(std::string path, std::string keyPath,
                                                       std::string kind, Rng& rng) {
  const std::string lockPath = path + ".lock";
  const int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return makeError("cannot open lock file " + lockPath + ": " + errnoText());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return makeError("card state " + path + " is in use by another card process");
  }
  std::unique_ptr<FileStorage> storage(
      new FileStorage(std::move(path), std::move(keyPath), std::move(kind), rng, fd));
  auto key = readStateKey(storage->keyPath_);
  if (!key) return key.error();
  storage->key_ = std::move(key.value());
  return storage;
}

FileStorage::~FileStorage() {
  if (lockFd_ >= 0) ::close(lockFd_);
}

Result<void> FileStorage::ensureKey() {
  if (key_) return {};
  auto created = createStateKey(keyPath_, rng_);
  if (!created) return created.error();
  key_ = std::move(created.value());
  return {};
}

Result<std::optional<Bytes>> FileStorage::readFile() const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<Bytes>{};
    return makeError("cannot read card state " + path_ + ": " + errnoText());
  }
  Bytes file;
  uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = errnoText();
      ::close(fd);
      return makeError("cannot read card state " + path_ + ": " + why);
    }
    if (n == 0) break;
    file.insert(file.end(), buf, buf + n);
    if (file.size() > kMaxPayload + 1024) {
      ::close(fd);
      return makeError("card state file " + path_ + " is too large; refusing to start");
    }
  }
  ::close(fd);
  mbedtls_platform_zeroize(buf, sizeof buf);
  return std::optional<Bytes>{std::move(file)};
}

// An HPCARD01 file is taken only from a card that never had a key, or whose migration was cut
// short (FILE.migrating still there): anything else is a hand-made unsealed file.
Result<Bytes> FileStorage::migrate(ByteView legacyFile) {
  const std::string marker = path_ + ".migrating";
  const bool resuming = ::access(marker.c_str(), F_OK) == 0;
  if (key_ && !resuming) {
    return makeError("card state file " + path_ +
                     " is unsealed (old HPCARD01 format) but the card already has the key " +
                     keyPath_ + ": the file was replaced or edited by hand; refusing to start");
  }
  auto payload = decodeLegacy(legacyFile, path_);
  if (!payload) return payload.error();
  const int mfd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (mfd < 0) return makeError("cannot create " + marker + ": " + errnoText());
  ::fsync(mfd);
  ::close(mfd);
  syncDirectory(path_);  // the marker must be durable before the key can be
  if (auto key = ensureKey(); !key) return key.error();
  if (auto stored = store(payload.value()); !stored) return stored.error();
  ::unlink(marker.c_str());
  migrated_ = true;
  return payload;
}

Result<std::optional<Bytes>> FileStorage::load() {
  auto file = readFile();
  if (!file) return file.error();
  if (!file.value()) {
    // A blank card: its key is made now, before the first image is written.
    if (auto key = ensureKey(); !key) return key.error();
    return std::optional<Bytes>{};
  }
  Bytes& bytes = *file.value();
  Result<Bytes> image = makeError("unreachable");
  if (isSealedStateFile(bytes)) {
    if (!key_) {
      image = makeError("card state file " + path_ + " is sealed but its key file " + keyPath_ +
                        " is missing: restore the key file that belongs to this card (give its "
                        "path with --key); refusing to start rather than reset the card");
    } else {
      image = openSealedState(*key_, kind_, bytes, path_);
    }
  } else if (bytes.size() >= sizeof kMagic &&
             std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0) {
    image = migrate(bytes);
  } else {
    image = decodeLegacy(bytes, path_);  // says what is wrong: truncated, bad magic
  }
  secureWipe(bytes);
  if (!image) return image.error();
  return std::optional<Bytes>{std::move(image.value())};
}

Result<void> FileStorage::store(ByteView image) {
  if (image.size() > kMaxPayload) return makeError("card state image too large");
  if (auto key = ensureKey(); !key) return key.error();
  auto sealed = sealState(*key_, kind_, image, rng_);
  if (!sealed) return sealed.error();
  return writeFile(sealed.value());
}

Result<void> FileStorage::writeFile(ByteView file) {
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return makeError("cannot write " + tmp + ": " + errnoText());
  const bool written = writeAll(fd, file.data(), file.size()) && ::fsync(fd) == 0;
  const std::string why = written ? std::string() : errnoText();
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return makeError("cannot write " + tmp + ": " + why);
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    const std::string err = errnoText();
    ::unlink(tmp.c_str());
    return makeError("cannot replace " + path_ + ": " + err);
  }
  syncDirectory(path_);  // make the rename itself durable
  return {};
}

}  // namespace hp::card::runtime
