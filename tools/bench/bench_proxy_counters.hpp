// What the proxy benchmark counts on the terminal, besides instructions:
// - public-key operations: every EC scalar multiplication (ECDH, key generation, ECDSA
//   signing: mbedtls_ecp_mul_restartable) and ECDSA verification (mbedtls_ecp_muladd_restartable,
//   one operation although it multiplies twice)
//   and every RSA public or private operation (mbedtls_rsa_public / mbedtls_rsa_private), by
//   interposing those libmbedcrypto symbols (the library calls them through its PLT, so also
//   the calls made inside mbedTLS for TLS and X.509). Counted only on a thread that turned
//   counting on, so the home server's threads in the same process do not show up.
// - card APDUs: a Transport decorator that counts commands and pauses the public-key count
//   while an in-process card works (the card's cryptography is not the terminal's).
#pragma once

#include <atomic>
#include <cstdint>

#include "host/pcsc_bridge/transport.hpp"

namespace hp::bench {

struct PkOpCount {
  uint64_t ecMultiplications = 0;  // ECDH, key generation, ECDSA sign and verify
  uint64_t rsaOperations = 0;
  uint64_t total() const { return ecMultiplications + rsaOperations; }
};

// Counting on this thread: on/off, and what was counted while on.
void setPkCounting(bool on);
bool pkCounting();
PkOpCount pkOps();
void resetPkOps();

// Turns counting off on this thread for its lifetime (restores the previous state).
class PkCountingPause {
 public:
  PkCountingPause() : was_(pkCounting()) { setPkCounting(false); }
  ~PkCountingPause() { setPkCounting(was_); }
  PkCountingPause(const PkCountingPause&) = delete;
  PkCountingPause& operator=(const PkCountingPause&) = delete;

 private:
  bool was_;
};

// Counts the command APDUs sent to the card behind `inner`.
class CountingTransport final : public pcsc_bridge::Transport {
 public:
  explicit CountingTransport(pcsc_bridge::Transport& inner) : inner_(inner) {}
  Result<Bytes> transmitRaw(ByteView command) override;
  Result<void> reset() override { return inner_.reset(); }
  Result<Bytes> atr() override { return inner_.atr(); }
  std::string describe() const override { return inner_.describe(); }
  uint64_t apdus() const { return apdus_; }

 private:
  pcsc_bridge::Transport& inner_;
  std::atomic<uint64_t> apdus_{0};
};

}  // namespace hp::bench
