// Card memory in a file, with all-or-nothing updates.
//
// Layout: "HPCARD01" | u32 payload length (big-endian) | payload | SHA-256 of everything before.
// A store writes FILE.tmp, fsyncs it, renames it over FILE and fsyncs the directory: rename(2)
// is atomic, so a kill -9 at any instant leaves either the old or the new image. A truncated or
// altered file fails the length or checksum test and is refused with a message saying so.
#pragma once

#include <memory>
#include <string>

#include "storage.hpp"

namespace hp::card {

class FileStorage final : public Storage {
 public:
  // Takes an exclusive lock (flock on FILE.lock) so two card processes never share one state.
  static Result<std::unique_ptr<FileStorage>> open(std::string path);
  ~FileStorage() override;
  FileStorage(const FileStorage&) = delete;
  FileStorage& operator=(const FileStorage&) = delete;

  Result<std::optional<Bytes>> load() override;
  Result<void> store(ByteView image) override;

  const std::string& path() const { return path_; }

  // Encoding of the file contents, exposed for tests.
  static Bytes encode(ByteView payload);
  static Result<Bytes> decode(ByteView file, const std::string& pathForMessages);

 private:
  FileStorage(std::string path, int lockFd) : path_(std::move(path)), lockFd_(lockFd) {}
  std::string path_;
  int lockFd_ = -1;
};

}  // namespace hp::card
