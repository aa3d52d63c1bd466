// The home server's long-term channel key (config "server_key_file", PEM P-256) as a
// channel::ServerSigner that many connection threads may call at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "host/channel/identity.hpp"

namespace hp::home_server {

class FileServerSigner final : public channel::ServerSigner {
 public:
  // Loads a P-256 private key (PEM, SEC1 or PKCS#8, unencrypted).
  static Result<std::unique_ptr<FileServerSigner>> load(const std::string& pemPath);
  Result<Bytes> sign(const channel::Hash& hash) override;
  Bytes publicKey() const { return key_->publicPoint(); }

 private:
  FileServerSigner(std::unique_ptr<base::EcKeyPair> key, std::unique_ptr<base::Rng> rng)
      : key_(std::move(key)), rng_(std::move(rng)) {}
  std::mutex mutex_;  // the key's RNG is not thread-safe
  std::unique_ptr<base::EcKeyPair> key_;
  std::unique_ptr<base::Rng> rng_;
};

// Wraps any ServerSigner so calls from several threads are serialized (a card-backed or
// software signer is not reentrant).
class SerializedServerSigner final : public channel::ServerSigner {
 public:
  explicit SerializedServerSigner(channel::ServerSigner& inner) : inner_(inner) {}
  Result<Bytes> sign(const channel::Hash& hash) override {
    std::lock_guard lock(mutex_);
    return inner_.sign(hash);
  }

 private:
  std::mutex mutex_;
  channel::ServerSigner& inner_;
};

}  // namespace hp::home_server
