// Persistent card memory (the emulated EEPROM). A store either fully replaces the image or
// leaves the previous one in place: there is no partial write to recover from.
#pragma once

#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::card::runtime {

class Storage {
 public:
  virtual ~Storage() = default;
  // nullopt: blank card, nothing stored yet. An error: the stored image is unreadable
  // (truncated, corrupted, wrong format); callers must refuse to run, never reset silently.
  virtual Result<std::optional<Bytes>> load() = 0;
  // Atomically replaces the stored image. On error the previous image is still in place.
  virtual Result<void> store(ByteView image) = 0;
};

// In-memory storage for tests, with failure injection: failNextStores(k, n) lets k stores
// succeed and then fails the next n, leaving the previous image untouched.
class MemoryStorage final : public Storage {
 public:
  Result<std::optional<Bytes>> load() override {
    if (!image_) return std::optional<Bytes>{};
    return std::optional<Bytes>{*image_};
  }
  Result<void> store(ByteView image) override {
    ++attempts_;
    if (succeedBeforeFailure_ > 0) {
      --succeedBeforeFailure_;
    } else if (failuresLeft_ > 0) {
      --failuresLeft_;
      return makeError("injected storage failure");
    }
    image_ = Bytes(image.begin(), image.end());
    ++stores_;
    return {};
  }
  void failNextStores(size_t succeedFirst, size_t failures) {
    succeedBeforeFailure_ = succeedFirst;
    failuresLeft_ = failures;
  }
  size_t stores() const { return stores_; }
  size_t attempts() const { return attempts_; }
  const std::optional<Bytes>& image() const { return image_; }
  void setImage(Bytes image) { image_ = std::move(image); }

 private:
  std::optional<Bytes> image_;
  size_t succeedBeforeFailure_ = 0;
  size_t failuresLeft_ = 0;
  size_t stores_ = 0;
  size_t attempts_ = 0;
};

}  // namespace hp::card::runtime
