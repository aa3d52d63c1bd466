// An established PC/SC context (a session with pcscd): lists readers and connects to cards.
// The daemon's socket is libpcsclite's default unless PCSCLITE_CSOCK_NAME names another one
// (tests/integration/sandbox.sh runs a private pcscd and exports it).
#pragma once

#include <winscard.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "host/pcsc_bridge/pcsc_transport.hpp"

namespace hp::pcsc_bridge {

class PcscContext {
 public:
  // SCardEstablishContext; "pcscd is not running" when the daemon cannot be reached.
  static Result<PcscContext> establish();

  // Reader names as pcscd reports them ("Virtual PCD 00 00", ...). An error, not an empty
  // list, when there is no reader at all.
  Result<std::vector<std::string>> listReaders() const;

  // Connects to the card in `readerName` (shared mode, T=0 or T=1).
  Result<std::unique_ptr<PcscTransport>> connect(const std::string& readerName) const;

 private:
  explicit PcscContext(std::shared_ptr<ContextHandle> handle) : handle_(std::move(handle)) {}
  // Shared with every transport made from this context: a card handle is only valid while its
  // context lives, so the context is released after the last of them.
  std::shared_ptr<ContextHandle> handle_;
};

}  // namespace hp::pcsc_bridge
