// The registered terminals, as the admin commands see them: the channel's TerminalRegistry
// (lookup at handshake time) plus register / revoke / list. On the product this is the home
// card's registry (host/card_adapters' HomeCardTerminalRegistry); the in-memory one here serves
// tests and runs without a card.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "host/channel/identity.hpp"

namespace hp::home_server {

struct TerminalEntry {
  std::string id;
  Bytes publicKey;  // uncompressed P-256 point (65 bytes)
  bool revoked = false;
};

// Terminal IDs: 1..32 of [A-Za-z0-9._-]; they appear in logs, so the alphabet is closed.
bool isValidTerminalId(std::string_view id);

class TerminalDirectory : public channel::TerminalRegistry {
 public:
  virtual Result<void> registerTerminal(const std::string& id, const Bytes& publicKey) = 0;
  virtual Result<void> revokeTerminal(const std::string& id) = 0;
  virtual Result<std::vector<TerminalEntry>> list() = 0;
};

class MemoryTerminalDirectory final : public TerminalDirectory {
 public:
  Result<Bytes> terminalKey(std::string_view terminalId) override;
  Result<void> registerTerminal(const std::string& id, const Bytes& publicKey) override;
  Result<void> revokeTerminal(const std::string& id) override;
  Result<std::vector<TerminalEntry>> list() override;

 private:
  std::mutex mutex_;
  std::map<std::string, TerminalEntry, std::less<>> entries_;
};

}  // namespace hp::home_server
