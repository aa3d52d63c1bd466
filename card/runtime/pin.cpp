#include "card/runtime/pin.hpp"

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include <algorithm>

namespace hp::card::runtime {

namespace {
// Record tags in the serialized form (the byte that was the `set` boolean before version 2).
constexpr uint8_t kUnset = 0;
constexpr uint8_t kSha256 = 1;
constexpr uint8_t kPbkdf2 = 2;

// The old verifier, kept only to check (and then replace) records from older state.
std::array<uint8_t, 32> saltedDigest(const std::array<uint8_t, 16>& salt, ByteView value) {
  std::array<uint8_t, 32> out{};
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  mbedtls_sha256_starts_ret(&ctx, 0);
  mbedtls_sha256_update_ret(&ctx, salt.data(), salt.size());
  mbedtls_sha256_update_ret(&ctx, value.data(), value.size());
  mbedtls_sha256_finish_ret(&ctx, out.data());
  mbedtls_sha256_free(&ctx);
  return out;
}

// Fills `out`; false if mbedTLS fails (then `out` must not be used).
bool pbkdf2(const std::array<uint8_t, 16>& salt, ByteView value, uint32_t iterations,
            std::array<uint8_t, 32>& out) {
  mbedtls_md_context_t md;
  mbedtls_md_init(&md);
  bool ok = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) == 0 &&
            mbedtls_pkcs5_pbkdf2_hmac(&md, value.data(), value.size(), salt.data(), salt.size(),
                                      iterations, out.size(), out.data()) == 0;
  mbedtls_md_free(&md);  // zeroizes the HMAC state (it holds the keyed pads)
  return ok;
}
}  // namespace

bool PinRecord::assign(ByteView value, Rng& rng, uint32_t kdfIterations) {
  std::array<uint8_t, 16> newSalt{};
  std::array<uint8_t, 32> newDigest{};
  if (kdfIterations == 0 || rng.fill(newSalt.data(), newSalt.size()) != 0 ||
      !pbkdf2(newSalt, value, kdfIterations, newDigest)) {
    mbedtls_platform_zeroize(newDigest.data(), newDigest.size());
    return false;
  }
  salt = newSalt;
  digest = newDigest;
  mbedtls_platform_zeroize(newDigest.data(), newDigest.size());
  iterations = kdfIterations;
  set = true;
  triesLeft = maxTries;
  return true;
}

bool PinRecord::matches(ByteView candidate) const {
  if (!set) return false;
  std::array<uint8_t, 32> d{};
  bool computed = true;
  if (iterations == 0) {
    d = saltedDigest(salt, candidate);
  } else {
    computed = pbkdf2(salt, candidate, iterations, d);
  }
  const bool same = constantTimeEqual(d, digest) && computed;
  mbedtls_platform_zeroize(d.data(), d.size());
  return same;
}

void PinRecord::write(ByteWriter& w) const {
  const uint8_t tag = !set ? kUnset : (iterations == 0 ? kSha256 : kPbkdf2);
  w.u8(tag);
  w.u8(maxTries);
  w.u8(triesLeft);
  w.raw(salt);
  w.raw(digest);
  if (tag == kPbkdf2) w.u32(iterations);
}

// Reads both the old layout (set as a boolean: 0 or 1, SHA-256 verifier) and the new one (tag
// 2 followed by the PBKDF2 iteration count); any other tag fails the reader.
PinRecord PinRecord::read(ByteReader& r) {
  PinRecord p;
  const uint8_t tag = r.u8();
  p.set = tag != kUnset;
  p.maxTries = r.u8();
  p.triesLeft = r.u8();
  for (auto& b : p.salt) b = r.u8();
  for (auto& b : p.digest) b = r.u8();
  if (tag == kPbkdf2) {
    p.iterations = r.u32();
    // Bounded so a damaged count cannot make one verify take hours.
    if (p.iterations == 0 || p.iterations > kMaxPinIterations) r.fail();
  } else if (tag > kPbkdf2) {
    r.fail();
  }
  return p;
}

PinCheck checkPin(const PinRecord& current, ByteView candidate,
                  const std::function<bool(const PinRecord&)>& persist, const PinUpgrade* upgrade) {
  if (!current.set) return {protocol::apdu::sw::kReferenceDataNotUsable, false};
  if (current.blocked()) return {protocol::apdu::sw::kAuthenticationMethodBlocked, false};
  // Phase 1: spend one try, durably, before looking at the candidate.
  PinRecord spent = current;
  spent.triesLeft = static_cast<uint8_t>(current.triesLeft - 1);
  if (!persist(spent)) return {protocol::apdu::sw::kMemoryFailure, false};
  if (!current.matches(candidate))
    return {protocol::apdu::sw::verifyFailed(spent.triesLeft), false};
  // Phase 2: a match gives the try back and resets the counter.
  PinRecord restored = current;
  restored.triesLeft = current.maxTries;
  if (upgrade != nullptr && current.iterations < upgrade->iterations) {
    PinRecord stronger = restored;
    if (stronger.assign(candidate, upgrade->rng, upgrade->iterations)) restored = stronger;
  }
  if (!persist(restored)) return {protocol::apdu::sw::kMemoryFailure, false};
  return {protocol::apdu::sw::kOk, true};
}

}  // namespace hp::card::runtime
