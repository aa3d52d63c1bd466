// The shop's or bank's own EC P-256 signing key (shop-sign.key, bank-sign.key): signs receipts,
// cancellations and vouchers in the "u16 len || body || DER signature" form of
// protocol/purse/purse_records.hpp. The scalar is held in card::EcKeyPair (wiped on destruction);
// the PEM parse buffers are freed by mbedTLS, which zeroizes them.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/ec_key.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"

namespace hp::merchant {

class SigningKey {
 public:
  static Result<std::unique_ptr<SigningKey>> loadPem(const std::string& path);

  Bytes publicPoint() const { return key_->publicPoint(); }
  // appendSignature(body, ECDSA(signedHash(label, body))). Thread-safe.
  Result<Bytes> signObject(std::string_view label, ByteView body);

 private:
  SigningKey(std::unique_ptr<base::EcKeyPair> key, std::unique_ptr<base::Rng> rng)
      : key_(std::move(key)), rng_(std::move(rng)) {}
  std::mutex mutex_;
  std::unique_ptr<base::EcKeyPair> key_;
  std::unique_ptr<base::Rng> rng_;
};

}  // namespace hp::merchant
