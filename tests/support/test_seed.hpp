// The seed of a test executable's random choices: HP_TEST_SEED when set (to replay a failure),
// else a fresh one; printed once, so every failure can be replayed. Header only; one seed per
// executable (the function's static is shared by every file that includes this).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace hp::test {

inline uint64_t testSeed(const char* who) {
  static const uint64_t seed = [who] {
    uint64_t s = 0;
    if (const char* env = std::getenv("HP_TEST_SEED"); env != nullptr && *env != '\0') {
      s = std::strtoull(env, nullptr, 0);
    } else {
      std::random_device device;
      s = (static_cast<uint64_t>(device()) << 32) | device();
    }
    std::printf("%s: seed %llu (replay with HP_TEST_SEED=%llu)\n", who,
                static_cast<unsigned long long>(s), static_cast<unsigned long long>(s));
    std::fflush(stdout);
    return s;
  }();
  return seed;
}

}  // namespace hp::test
