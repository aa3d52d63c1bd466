// Software stand-ins for the cards behind identity.hpp's interfaces, for tests and for running
// without cards. The access-card and home-card implementations (via APDUs) come later.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/ec_key.hpp"
#include "base/rng.hpp"
#include "host/channel/identity.hpp"

namespace hp::channel {

// The access card in software, command for command: checks the server's signature with
// homeServerKey (what the card holds in DF 31) over its own pending point, runs the key schedule
// and keeps the resumption ticket inside itself, single use, exactly like KEY AGREEMENT,
// PREPARE RESUME and RESUME AGREEMENT. lock() is the card's lock: it wipes the pending keys and
// the ticket. clock (monotonic, may be null: then tickets do not expire here, the server still
// refuses expired ones) dates the ticket, as the card's own clock does.
class SoftwareTerminalKeyAgent final : public TerminalKeyAgent {
 public:
  SoftwareTerminalKeyAgent(std::string terminalId, std::unique_ptr<base::EcKeyPair> longTermKey,
                           Bytes homeServerKey, base::Rng& rng, uint64_t shareLifetimeMs,
                           base::Clock* clock = nullptr);
  Result<SignedShare> prepareShare(uint64_t nowMs) override;
  Result<SessionKeys> agree(const SignedServerShare& server) override;
  Result<std::optional<ResumeOffer>> prepareResume() override;
  Result<SessionKeys> agreeResume(const ServerResumeShare& server) override;
  void lock();
  bool hasTicket() const { return ticket_.has_value(); }
  Bytes publicKey() const { return longTermKey_->publicPoint(); }
  void setHomeServerKey(Bytes key) { homeServerKey_ = std::move(key); }

 private:
  void keepTicket(ByteView id, SecretBytes secret, uint64_t lifetimeMs);
  uint64_t now() const { return clock_ != nullptr ? clock_->nowMs() : 0; }

  struct Ticket {
    Bytes id;
    SecretBytes secret;
    uint64_t expiresAtMs = 0;
  };

  std::string terminalId_;
  Bytes homeServerKey_;
  std::unique_ptr<base::EcKeyPair> longTermKey_;
  std::unique_ptr<base::EcKeyPair> pendingEphemeral_;
  std::unique_ptr<base::EcKeyPair> pendingResume_;
  std::optional<Ticket> ticket_;
  base::Rng& rng_;
  uint64_t shareLifetimeMs_;
  base::Clock* clock_;
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
  SoftwareServerSigner(std::unique_ptr<base::EcKeyPair> key, base::Rng& rng)
      : key_(std::move(key)), rng_(rng) {}
  Result<Bytes> sign(const Hash& hash) override { return key_->signHash(hash, rng_); }
  Bytes publicKey() const { return key_->publicPoint(); }

 private:
  std::unique_ptr<base::EcKeyPair> key_;
  base::Rng& rng_;
};

}  // namespace hp::channel
