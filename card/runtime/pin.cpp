#include "pin.hpp"

#include <mbedtls/sha256.h>

#include <algorithm>

namespace hp::card {

namespace {
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

bool allDigits(ByteView v) {
  return std::all_of(v.begin(), v.end(), [](uint8_t c) { return c >= '0' && c <= '9'; });
}
}  // namespace

bool isValidPinFormat(ByteView value) {
  return value.size() >= 4 && value.size() <= 8 && allDigits(value);
}

bool isValidPukFormat(ByteView value) {
  return value.size() == 8 && allDigits(value);
}

bool PinRecord::assign(ByteView value, Rng& rng) {
  if (rng.fill(salt.data(), salt.size()) != 0) return false;
  digest = saltedDigest(salt, value);
  set = true;
  triesLeft = maxTries;
  return true;
}

bool PinRecord::matches(ByteView candidate) const {
  if (!set) return false;
  auto d = saltedDigest(salt, candidate);
  const bool same = constantTimeEqual(d, digest);
  secureWipe(d.data(), d.size());
  return same;
}

void PinRecord::write(ByteWriter& w) const {
  w.boolean(set);
  w.u8(maxTries);
  w.u8(triesLeft);
  w.raw(salt);
  w.raw(digest);
}

PinRecord PinRecord::read(ByteReader& r) {
  PinRecord p;
  p.set = r.boolean();
  p.maxTries = r.u8();
  p.triesLeft = r.u8();
  for (auto& b : p.salt) b = r.u8();
  for (auto& b : p.digest) b = r.u8();
  return p;
}

PinCheck checkPin(const PinRecord& current, ByteView candidate,
                  const std::function<bool(const PinRecord&)>& persist) {
  if (!current.set) return {sw::kReferenceDataNotUsable, false};
  if (current.blocked()) return {sw::kAuthenticationMethodBlocked, false};
  // Phase 1: spend one try, durably, before looking at the candidate.
  PinRecord spent = current;
  spent.triesLeft = static_cast<uint8_t>(current.triesLeft - 1);
  if (!persist(spent)) return {sw::kMemoryFailure, false};
  if (!current.matches(candidate)) return {sw::verifyFailed(spent.triesLeft), false};
  // Phase 2: a match gives the try back and resets the counter.
  PinRecord restored = current;
  restored.triesLeft = current.maxTries;
  if (!persist(restored)) return {sw::kMemoryFailure, false};
  return {sw::kOk, true};
}

}  // namespace hp::card
