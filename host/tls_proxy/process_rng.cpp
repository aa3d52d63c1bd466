#include "host/tls_proxy/process_rng.hpp"

#include <pthread.h>

#include <memory>
#include <mutex>

namespace hp::tls_proxy {

namespace {

// Forwards to the generator under the lock; created on first use, dropped in a forked child.
class LockedRng final : public base::Rng {
 public:
  Result<void> ensureSeeded() {
    std::lock_guard lock(mutex_);
    if (inner_) return {};
    auto rng = base::makeKernelSeededRng();
    if (!rng) return rng.error();
    inner_ = std::move(rng.value());
    return {};
  }

  int fill(uint8_t* out, size_t size) override {
    std::lock_guard lock(mutex_);
    if (!inner_) {
      auto rng = base::makeKernelSeededRng();  // only after a fork
      if (!rng) return -1;
      inner_ = std::move(rng.value());
    }
    return inner_->fill(out, size);
  }

  // pthread_atfork: hold the lock across fork() so the child never inherits it held by a
  // thread that does not exist there, and give the child no copy of the parent's state.
  void lockForFork() { mutex_.lock(); }
  void unlockInParent() { mutex_.unlock(); }
  void resetInChild() {
    inner_.reset();  // CtrDrbgRng's destructor wipes the DRBG state (mbedtls_ctr_drbg_free)
    mutex_.unlock();
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<base::Rng> inner_;
};

LockedRng& instance() {
  // Never destroyed: threads may still draw from it while static destructors run.
  static LockedRng* const rng = [] {
    auto* made = new LockedRng();
    ::pthread_atfork([] { instance().lockForFork(); }, [] { instance().unlockInParent(); },
                     [] { instance().resetInChild(); });
    return made;
  }();
  return *rng;
}

}  // namespace

Result<base::Rng*> processRng() {
  LockedRng& rng = instance();
  if (auto seeded = rng.ensureSeeded(); !seeded) return seeded.error();
  return static_cast<base::Rng*>(&rng);
}

}  // namespace hp::tls_proxy
