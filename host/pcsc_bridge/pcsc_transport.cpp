#include "host/pcsc_bridge/pcsc_transport.hpp"

#include <array>

#include "host/pcsc_bridge/pcsc_error.hpp"

namespace hp::pcsc_bridge {

ContextHandle::~ContextHandle() {
  SCardReleaseContext(context_);
}

PcscTransport::PcscTransport(std::shared_ptr<ContextHandle> context, SCARDHANDLE card,
                             DWORD protocol, std::string readerName)
    : context_(std::move(context)),
      card_(card),
      protocol_(protocol),
      readerName_(std::move(readerName)) {}

PcscTransport::~PcscTransport() {
  SCardDisconnect(card_, SCARD_LEAVE_CARD);
}

std::string PcscTransport::describe() const {
  return "PC/SC reader '" + readerName_ + "'";
}

Result<Bytes> PcscTransport::transmitRaw(ByteView command) {
  const SCARD_IO_REQUEST* sendPci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  // The largest extended response (65536 data bytes + SW) plus pcsc-lite's own margin.
  Bytes response(MAX_BUFFER_SIZE_EXTENDED);
  DWORD responseLength = static_cast<DWORD>(response.size());
  const LONG rc = SCardTransmit(card_, sendPci, command.data(), static_cast<DWORD>(command.size()),
                                nullptr, response.data(), &responseLength);
  if (rc != SCARD_S_SUCCESS) return pcscError("SCardTransmit", rc, describe());
  response.resize(responseLength);
  return response;
}

Result<void> PcscTransport::reset() {
  DWORD protocol = 0;
  const LONG rc = SCardReconnect(card_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                 SCARD_RESET_CARD, &protocol);
  if (rc != SCARD_S_SUCCESS) return pcscError("SCardReconnect (reset)", rc, describe());
  protocol_ = protocol;
  return {};
}

Result<Bytes> PcscTransport::atr() {
  std::array<char, MAX_READERNAME> name{};
  DWORD nameLength = static_cast<DWORD>(name.size());
  DWORD state = 0;
  DWORD protocol = 0;
  Bytes atr(MAX_ATR_SIZE);
  DWORD atrLength = static_cast<DWORD>(atr.size());
  const LONG rc =
      SCardStatus(card_, name.data(), &nameLength, &state, &protocol, atr.data(), &atrLength);
  if (rc != SCARD_S_SUCCESS) return pcscError("SCardStatus", rc, describe());
  atr.resize(atrLength);
  return atr;
}

}  // namespace hp::pcsc_bridge
