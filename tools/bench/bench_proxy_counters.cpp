#include "tools/bench/bench_proxy_counters.hpp"

#include <dlfcn.h>
#include <mbedtls/ecp.h>
#include <mbedtls/rsa.h>

namespace hp::bench {

namespace {
thread_local bool countingOn = false;
thread_local PkOpCount counted;
// mbedTLS 2.28's muladd (ECDSA verification) calls mbedtls_ecp_mul_restartable for its two
// products: one verification is one operation, so multiplications inside it are not counted.
thread_local int insideMulAdd = 0;

// The library's own definition, found past this executable's interposer.
template <typename Fn>
Fn nextSymbol(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}
}  // namespace

void setPkCounting(bool on) {
  countingOn = on;
}
bool pkCounting() {
  return countingOn;
}
PkOpCount pkOps() {
  return counted;
}
void resetPkOps() {
  counted = {};
}

Result<Bytes> CountingTransport::transmitRaw(ByteView command) {
  ++apdus_;
  // The card's work (e.g. ECDH on the access card) is not the terminal's: not counted, and the
  // instruction count excludes this function too (--toggle-collect in run_proxy_bench.sh).
  PkCountingPause pause;
  return inner_.transmitRaw(command);
}

}  // namespace hp::bench

// Interposers: this executable is linked with -rdynamic, so these definitions win over
// libmbedcrypto's for every caller, including mbedTLS itself.
extern "C" {

int mbedtls_ecp_mul_restartable(mbedtls_ecp_group* grp, mbedtls_ecp_point* R, const mbedtls_mpi* m,
                                const mbedtls_ecp_point* P,
                                int (*f_rng)(void*, unsigned char*, size_t), void* p_rng,
                                mbedtls_ecp_restart_ctx* rs_ctx) {
  static const auto next =
      hp::bench::nextSymbol<decltype(&mbedtls_ecp_mul_restartable)>("mbedtls_ecp_mul_restartable");
  if (hp::bench::countingOn && hp::bench::insideMulAdd == 0) {
    ++hp::bench::counted.ecMultiplications;
  }
  return next(grp, R, m, P, f_rng, p_rng, rs_ctx);
}

int mbedtls_ecp_muladd_restartable(mbedtls_ecp_group* grp, mbedtls_ecp_point* R,
                                   const mbedtls_mpi* m, const mbedtls_ecp_point* P,
                                   const mbedtls_mpi* n, const mbedtls_ecp_point* Q,
                                   mbedtls_ecp_restart_ctx* rs_ctx) {
  static const auto next = hp::bench::nextSymbol<decltype(&mbedtls_ecp_muladd_restartable)>(
      "mbedtls_ecp_muladd_restartable");
  if (hp::bench::countingOn) ++hp::bench::counted.ecMultiplications;
  ++hp::bench::insideMulAdd;
  const int result = next(grp, R, m, P, n, Q, rs_ctx);
  --hp::bench::insideMulAdd;
  return result;
}

int mbedtls_rsa_public(mbedtls_rsa_context* ctx, const unsigned char* input,
                       unsigned char* output) {
  static const auto next =
      hp::bench::nextSymbol<decltype(&mbedtls_rsa_public)>("mbedtls_rsa_public");
  if (hp::bench::countingOn) ++hp::bench::counted.rsaOperations;
  return next(ctx, input, output);
}

int mbedtls_rsa_private(mbedtls_rsa_context* ctx, int (*f_rng)(void*, unsigned char*, size_t),
                        void* p_rng, const unsigned char* input, unsigned char* output) {
  static const auto next =
      hp::bench::nextSymbol<decltype(&mbedtls_rsa_private)>("mbedtls_rsa_private");
  if (hp::bench::countingOn) ++hp::bench::counted.rsaOperations;
  return next(ctx, f_rng, p_rng, input, output);
}

}  // extern "C"
