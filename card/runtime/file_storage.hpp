// Card memory in a file, with all-or-nothing updates.
//
// The file is sealed (AES-256-GCM, layout "HPCARD02" in state_seal.hpp) with the card's state
// key, held in a key file of its own (state_key.hpp). A store writes FILE.tmp, fsyncs it,
// renames it over FILE and fsyncs the directory: rename(2) is atomic, so a kill -9 at any
// instant leaves either the old or the new image. A truncated, edited or foreign file fails
// the tag and is refused with a message saying so; it is never reset.
//
// Files of the old unsealed format ("HPCARD01" | u32 length | payload | unkeyed SHA-256) are
// migrated when loaded, but only while the card has no key file yet: the key is created, the
// image sealed and written back at once. Once a key exists an HPCARD01 file is refused (it can
// only be a hand-made or hand-edited file). FILE.migrating marks a migration under way, so a
// kill -9 between creating the key and sealing the image does not strand the card.
#pragma once

#include <memory>
#include <string>

#include "base/rng.hpp"
#include "card/runtime/storage.hpp"

namespace hp::card::runtime {

class FileStorage final : public Storage {
 public:
  // Takes an exclusive lock (flock on FILE.lock) so two card processes never share one state.
  // keyPath: the state key file (created at the first load or store when missing and the state
  // does not need an existing key). kind: the card kind bound into every sealed file. `rng`
  // (nonces, a new key) must outlive the storage.
  static Result<std::unique_ptr<FileStorage>> open(std::string path, std::string keyPath,
                                                   std::string kind, Rng& rng);
  // The default key file of a state file: FILE.key.
  static std::string defaultKeyPath(const std::string& statePath) { return statePath + ".key"; }
  ~FileStorage() override;
  FileStorage(const FileStorage&) = delete;
  FileStorage& operator=(const FileStorage&) = delete;

  Result<std::optional<Bytes>> load() override;
  Result<void> store(ByteView image) override;

  const std::string& path() const { return path_; }
  const std::string& keyPath() const { return keyPath_; }
  // True once load() has sealed an old HPCARD01 file (for the card process's log).
  bool migratedFromUnsealed() const { return migrated_; }

  // The old unsealed HPCARD01 format, read for migration; exposed for tests.
  static Bytes encodeLegacy(ByteView payload);
  static Result<Bytes> decodeLegacy(ByteView file, const std::string& pathForMessages);

 private:
  FileStorage(std::string path, std::string keyPath, std::string kind, Rng& rng, int lockFd)
      : path_(std::move(path)),
        keyPath_(std::move(keyPath)),
        kind_(std::move(kind)),
        rng_(rng),
        lockFd_(lockFd) {}
  Result<std::optional<Bytes>> readFile() const;
  Result<void> ensureKey();
  Result<Bytes> migrate(ByteView legacyFile);
  Result<void> writeFile(ByteView file);

  std::string path_;
  std::string keyPath_;
  std::string kind_;
  Rng& rng_;
  std::optional<SecretBytes> key_;
  bool migrated_ = false;
  int lockFd_ = -1;
};

}  // namespace hp::card::runtime
