#include "tools/merchant/signing_key.hpp"

#include "host/tls_proxy/p256_key_file.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::merchant {

Result<std::unique_ptr<SigningKey>> SigningKey::loadPem(const std::string& path) {
  auto rng = base::makeSystemRng();
  if (!rng) return rng.error();
  auto key = tls_proxy::loadP256KeyFile("signing key", path, **rng);
  if (!key) return key.error();
  return std::unique_ptr<SigningKey>(new SigningKey(std::move(*key), std::move(*rng)));
}

Result<Bytes> SigningKey::signObject(std::string_view label, ByteView body) {
  const auto hash = protocol::purse::signedHash(label, body);
  std::lock_guard lock(mutex_);
  auto signature = key_->signHash(hash, *rng_);
  if (!signature) return signature.error();
  return protocol::purse::appendSignature(body, *signature);
}

}  // namespace hp::merchant
