// One random generator per host process (terminal, home server, tools), seeded once from the
// kernel (card::makeKernelSeededRng) and shared by the control channel, every TLS client and the
// software signer. Each of those used to seed its own generator through mbedtls_entropy, whose
// initialization (HAVEGE in Debian's build) cost about 1.1 M instructions a time: more than
// everything else a terminal does for a cached session (docs/benchmarks.md).
#pragma once

#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::tls_proxy {

// The process's generator: thread-safe (one mutex around CTR_DRBG, whose context is not), and
// fork-safe (a child process seeds its own on first use instead of repeating the parent's
// stream). Lives until the process ends. An error only if the kernel refused entropy.
Result<base::Rng*> processRng();

}  // namespace hp::tls_proxy
