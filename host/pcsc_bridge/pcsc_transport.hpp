// Transport over a PC/SC card handle (pcscd, any reader). Made by PcscContext::connect.
#pragma once

#include <winscard.h>

#include <memory>
#include <string>

#include "host/pcsc_bridge/transport.hpp"

namespace hp::pcsc_bridge {

// Owns an SCARDCONTEXT; released when the last owner (context or transport) goes away.
class ContextHandle {
 public:
  explicit ContextHandle(SCARDCONTEXT context) : context_(context) {}
  ~ContextHandle();
  ContextHandle(const ContextHandle&) = delete;
  ContextHandle& operator=(const ContextHandle&) = delete;
  SCARDCONTEXT get() const { return context_; }

 private:
  SCARDCONTEXT context_;
};

class PcscTransport final : public Transport {
 public:
  PcscTransport(std::shared_ptr<ContextHandle> context, SCARDHANDLE card, DWORD protocol,
                std::string readerName);
  ~PcscTransport() override;  // SCardDisconnect, leaving the card as it is
  PcscTransport(const PcscTransport&) = delete;
  PcscTransport& operator=(const PcscTransport&) = delete;

  Result<Bytes> transmitRaw(ByteView command) override;
  // SCardReconnect with SCARD_RESET_CARD: a warm reset, the card forgets its security state.
  Result<void> reset() override;
  Result<Bytes> atr() override;
  std::string describe() const override;

  const std::string& readerName() const { return readerName_; }
  // SCARD_PROTOCOL_T0 or SCARD_PROTOCOL_T1, as negotiated.
  DWORD protocol() const { return protocol_; }

 private:
  std::shared_ptr<ContextHandle> context_;
  SCARDHANDLE card_;
  DWORD protocol_;
  std::string readerName_;
};

}  // namespace hp::pcsc_bridge
