#include "rng.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha256.h>

#include <cstring>

namespace hp::card {

namespace {

class CtrDrbgRng final : public Rng {
 public:
  CtrDrbgRng() {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
  }
  ~CtrDrbgRng() override {
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }
  CtrDrbgRng(const CtrDrbgRng&) = delete;
  CtrDrbgRng& operator=(const CtrDrbgRng&) = delete;

  int seedFromSystem() {
    static const char kPersonalization[] = "homeproxy card rng";
    return mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_,
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

  mbedtls_entropy_context entropy_;
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

std::unique_ptr<Rng> makeSeededRng(uint64_t seed) {
  auto rng = std::make_unique<CtrDrbgRng>();
  rng->seedDeterministic(seed);
  return rng;
}

}  // namespace hp::card
