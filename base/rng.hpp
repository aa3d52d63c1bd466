// Randomness as the card sees it: injected so tests are reproducible from a printed seed.
#pragma once

#include <cstdint>
#include <memory>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::base {

class Rng {
 public:
  virtual ~Rng() = default;
  // Fills the buffer; returns 0 or an mbedTLS error code (as mbedTLS's f_rng does).
  virtual int fill(uint8_t* out, size_t size) = 0;

  Bytes bytes(size_t n) {
    Bytes b(n);
    if (fill(b.data(), n) != 0) b.clear();
    return b;
  }

  // Adapter for mbedTLS functions that take (f_rng, p_rng).
  static int mbedtlsCallback(void* self, unsigned char* out, size_t size) {
    return static_cast<Rng*>(self)->fill(out, size);
  }
};

// CTR_DRBG (NIST SP 800-90A, AES-256) seeded from the system entropy source.
// Create with makeSystemRng(); for tests, makeSeededRng() derives it from a 64-bit seed.
Result<std::unique_ptr<Rng>> makeSystemRng();
// The same CTR_DRBG seeded from getrandom(2) alone (reseeded from it too), without mbedTLS's
// entropy collector: about 1.1 M instructions cheaper to create in Debian's build (HAVEGE).
// For host processes that make generators often; the card processes keep makeSystemRng.
Result<std::unique_ptr<Rng>> makeKernelSeededRng();
// Deterministic: the same seed always yields the same bytes. Never use outside tests.
std::unique_ptr<Rng> makeSeededRng(uint64_t seed);

}  // namespace hp::base

namespace hp {
// base/ is the project's vocabulary (Bytes, Result, codecs): every hp namespace sees it
// unqualified, as if it were std (docs/architecture.md, "Namespaces").
using namespace base;
}  // namespace hp
