// One random generator shared by every connection thread. mbedTLS takes the generator from the
// ssl_config, which all connections share, so the CTR_DRBG behind it must be serialized: a
// CTR_DRBG used from two threads at once can hand out the same bytes twice.
#pragma once

#include <memory>
#include <mutex>

#include "base/rng.hpp"

namespace hp::merchant {

class LockedRng final : public base::Rng {
 public:
  explicit LockedRng(std::unique_ptr<base::Rng> inner) : inner_(std::move(inner)) {}
  int fill(uint8_t* out, size_t size) override {
    std::lock_guard lock(mutex_);
    return inner_->fill(out, size);
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<base::Rng> inner_;
};

}  // namespace hp::merchant
