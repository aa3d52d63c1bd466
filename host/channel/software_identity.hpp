// Software stand-ins for the cards behind identity.hpp's interfaces, for tests and for running
// without cards. The access-card and home-card implementations (via APDUs) come later.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "ec_key.hpp"
#include "identity.hpp"
#include "rng.hpp"

namespace hp::channel {

// Checks the server's signature in software with homeServerKey (what the access card holds in
// DF 31), then agrees, like the card's KEY AGREEMENT.
class SoftwareTerminalKeyAgent final : public TerminalKeyAgent {
 public:
  SoftwareTerminalKeyAgent(std::string terminalId, std::unique_ptr<card::EcKeyPair> longTermKey,
                           Bytes homeServerKey, card::Rng& rng, uint64_t shareLifetimeMs);
  Result<SignedShare> prepareShare(uint64_t nowMs) override;
  Result<SecretBytes> agree(const SignedServerShare& server) override;
  Bytes publicKey() const { return longTermKey_->publicPoint(); }
  void setHomeServerKey(Bytes key) { homeServerKey_ = std::move(key); }

 private:
  std::string terminalId_;
  Bytes homeServerKey_;
  std::unique_ptr<card::EcKeyPair> longTermKey_;
  std::unique_ptr<card::EcKeyPair> pendingEphemeral_;
  card::Rng& rng_;
  uint64_t shareLifetimeMs_;
};

class SoftwareTerminalRegistry final : public TerminalRegistry {
 public:
  void add(const std::string& terminalId, Bytes publicKey);
  void revoke(const std::string& terminalId);
  Result<Bytes> terminalKey(std::string_view terminalId) override;

 private:
  struct Entry {
    Bytes publicKey;
    bool revoked = false;
  };
  std::map<std::string, Entry, std::less<>> terminals_;
};

class SoftwareServerSigner final : public ServerSigner {
 public:
  SoftwareServerSigner(std::unique_ptr<card::EcKeyPair> key, card::Rng& rng)
      : key_(std::move(key)), rng_(rng) {}
  Result<Bytes> sign(const Hash& hash) override { return key_->signHash(hash, rng_); }
  Bytes publicKey() const { return key_->publicPoint(); }

 private:
  std::unique_ptr<card::EcKeyPair> key_;
  card::Rng& rng_;
};

}  // namespace hp::channel
