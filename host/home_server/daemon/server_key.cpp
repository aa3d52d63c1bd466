#include "host/home_server/daemon/server_key.hpp"

#include "host/tls_proxy/p256_key_file.hpp"

namespace hp::home_server {

Result<std::unique_ptr<FileServerSigner>> FileServerSigner::load(const std::string& pemPath) {
  auto rng = base::makeSystemRng();
  if (!rng) return rng.error();
  auto key = tls_proxy::loadP256KeyFile("server key", pemPath, **rng);
  if (!key) return key.error();
  return std::unique_ptr<FileServerSigner>(new FileServerSigner(std::move(*key), std::move(*rng)));
}

Result<Bytes> FileServerSigner::sign(const channel::Hash& hash) {
  std::lock_guard lock(mutex_);
  return key_->signHash(hash, *rng_);
}

}  // namespace hp::home_server
