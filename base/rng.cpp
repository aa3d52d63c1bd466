#include "base/rng.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha256.h>

#include <sys/random.h>

#include <cerrno>
#include <cstring>

namespace hp::base {

namespace {

// The kernel's CSPRNG through getrandom(2) (blocking only until the pool is first initialized),
// as an mbedTLS entropy callback. It is the source mbedtls_entropy's own platform source reads
// on Linux; going to it directly skips mbedtls_entropy_init, which in Debian's build also
// initializes HAVEGE (about 1.1 M instructions per generator).
int kernelEntropy(void*, unsigned char* out, size_t size) {
  while (size > 0) {
    const ssize_t n = ::getrandom(out, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    out += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

class CtrDrbgRng final : public Rng {
 public:
  CtrDrbgRng() { mbedtls_ctr_drbg_init(&drbg_); }
  ~CtrDrbgRng() override {
    mbedtls_ctr_drbg_free(&drbg_);
    if (entropy_) mbedtls_entropy_free(entropy_.get());
  }
  CtrDrbgRng(const CtrDrbgRng&) = delete;
  CtrDrbgRng& operator=(const CtrDrbgRng&) = delete;

  int seedFromSystem() {
    static const char kPersonalization[] = "homeproxy card rng";
    entropy_ = std::make_unique<mbedtls_entropy_context>();
    mbedtls_entropy_init(entropy_.get());
    return mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, entropy_.get(),
                                 reinterpret_cast<const unsigned char*>(kPersonalization),
                                 sizeof kPersonalization - 1);
  }

  int seedFromKernel() {
    static const char kPersonalization[] = "homeproxy host rng";
    return mbedtls_ctr_drbg_seed(&drbg_, kernelEntropy, nullptr,
                                 reinterpret_cast<const unsigned char*>(kPersonalization),
                                 sizeof kPersonalization - 1);
  }

  // Test seeding: the "entropy" is SHA-256 of the seed, expanded by a counter.
  int seedDeterministic(uint64_t seed) {
    seed_ = seed;
    return mbedtls_ctr_drbg_seed(&drbg_, &CtrDrbgRng::fakeEntropy, this, nullptr, 0);
  }

  int fill(uint8_t* out, size_t size) override {
    // mbedtls_ctr_drbg_random is limited to MBEDTLS_CTR_DRBG_MAX_REQUEST bytes per call.
    while (size > 0) {
      const size_t n = size < MBEDTLS_CTR_DRBG_MAX_REQUEST ? size : MBEDTLS_CTR_DRBG_MAX_REQUEST;
      const int rc = mbedtls_ctr_drbg_random(&drbg_, out, n);
      if (rc != 0) return rc;
      out += n;
      size -= n;
    }
    return 0;
  }

 private:
  static int fakeEntropy(void* self, unsigned char* out, size_t size) {
    auto* me = static_cast<CtrDrbgRng*>(self);
    while (size > 0) {
      unsigned char block[32];
      unsigned char input[16];
      std::memcpy(input, &me->seed_, 8);
      std::memcpy(input + 8, &me->counter_, 8);
      ++me->counter_;
      mbedtls_sha256_ret(input, sizeof input, block, 0);
      const size_t n = size < sizeof block ? size : sizeof block;
      std::memcpy(out, block, n);
      out += n;
      size -= n;
    }
    return 0;
  }

  std::unique_ptr<mbedtls_entropy_context> entropy_;  // only when seeded by seedFromSystem
  mbedtls_ctr_drbg_context drbg_;
  uint64_t seed_ = 0;
  uint64_t counter_ = 0;
};

}  // namespace

Result<std::unique_ptr<Rng>> makeSystemRng() {
  auto rng = std::make_unique<CtrDrbgRng>();
  if (rng->seedFromSystem() != 0) return makeError("cannot seed the random generator");
  return std::unique_ptr<Rng>(std::move(rng));
}

Result<std::unique_ptr<Rng>> makeKernelSeededRng() {
  auto rng = std::make_unique<CtrDrbgRng>();
  if (rng->seedFromKernel() != 0) return makeError("cannot seed the random generator");
  return std::unique_ptr<Rng>(std::move(rng));
}

std::unique_ptr<Rng> makeSeededRng(uint64_t seed) {
  auto rng = std::make_unique<CtrDrbgRng>();
  rng->seedDeterministic(seed);
  return rng;
}

}  // namespace hp::base
