#include "host/home_server/terminals/terminal_directory.hpp"

namespace hp::home_server {

bool isValidTerminalId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

Result<Bytes> MemoryTerminalDirectory::terminalKey(std::string_view terminalId) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(terminalId);
  if (found == entries_.end()) return makeError("unknown terminal");
  if (found->second.revoked) return makeError("terminal revoked");
  return found->second.publicKey;
}

Result<void> MemoryTerminalDirectory::registerTerminal(const std::string& id,
                                                       const Bytes& publicKey) {
  if (!isValidTerminalId(id)) return makeError("terminal ID must be 1..32 of [A-Za-z0-9._-]");
  // Refuse a key the handshake could never verify, now rather than at connect time.
  if (publicKey.size() != 65 || publicKey[0] != 0x04) {
    return makeError("terminal key must be an uncompressed P-256 point (65 bytes, 04...)");
  }
  std::lock_guard lock(mutex_);
  entries_[id] = TerminalEntry{id, publicKey, false};
  return {};
}

Result<void> MemoryTerminalDirectory::revokeTerminal(const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(id);
  if (found == entries_.end()) return makeError("unknown terminal");
  found->second.revoked = true;
  return {};
}

Result<std::vector<TerminalEntry>> MemoryTerminalDirectory::list() {
  std::lock_guard lock(mutex_);
  std::vector<TerminalEntry> all;
  for (const auto& [id, entry] : entries_) all.push_back(entry);
  return all;
}

}  // namespace hp::home_server
