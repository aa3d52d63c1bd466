#include "host/pcsc_bridge/pcsc_error.hpp"

#include <cstdio>

namespace hp::pcsc_bridge {

namespace {

struct CodeInfo {
  LONG code;
  const char* name;
  const char* explanation;
};

// The codes a user of a virtual or physical reader actually meets, with what to do about them.
constexpr CodeInfo kKnownCodes[] = {
    {SCARD_E_NO_SERVICE, "SCARD_E_NO_SERVICE",
     "pcscd is not running (start pcscd, or check PCSCLITE_CSOCK_NAME)"},
    {SCARD_E_SERVICE_STOPPED, "SCARD_E_SERVICE_STOPPED", "pcscd is not running (it stopped)"},
    {SCARD_E_NO_READERS_AVAILABLE, "SCARD_E_NO_READERS_AVAILABLE",
     "no smart-card reader (is the vpcd driver configured in reader.conf.d?)"},
    {SCARD_E_UNKNOWN_READER, "SCARD_E_UNKNOWN_READER", "no such smart-card reader"},
    {SCARD_E_READER_UNAVAILABLE, "SCARD_E_READER_UNAVAILABLE", "the reader is unavailable"},
    {SCARD_E_NO_SMARTCARD, "SCARD_E_NO_SMARTCARD",
     "no card in the reader (is the card process running and connected to vpcd?)"},
    {SCARD_W_REMOVED_CARD, "SCARD_W_REMOVED_CARD", "the card was removed"},
    {SCARD_W_RESET_CARD, "SCARD_W_RESET_CARD",
     "the card was reset (by another application); its security state is lost"},
    {SCARD_W_UNPOWERED_CARD, "SCARD_W_UNPOWERED_CARD", "the card is not powered"},
    {SCARD_W_UNRESPONSIVE_CARD, "SCARD_W_UNRESPONSIVE_CARD", "the card does not answer"},
    {SCARD_E_TIMEOUT, "SCARD_E_TIMEOUT", "timed out"},
    {SCARD_E_SHARING_VIOLATION, "SCARD_E_SHARING_VIOLATION",
     "another application holds the card exclusively"},
    {SCARD_E_NOT_TRANSACTED, "SCARD_E_NOT_TRANSACTED",
     "the exchange with the card failed (card gone or answer malformed)"},
    {SCARD_E_PROTO_MISMATCH, "SCARD_E_PROTO_MISMATCH", "no common protocol with the card"},
    {SCARD_E_INVALID_HANDLE, "SCARD_E_INVALID_HANDLE", "the connection to the card is closed"},
    {SCARD_E_INSUFFICIENT_BUFFER, "SCARD_E_INSUFFICIENT_BUFFER", "the answer is too long"},
    {SCARD_E_INVALID_PARAMETER, "SCARD_E_INVALID_PARAMETER", "invalid parameter"},
    {SCARD_E_NO_MEMORY, "SCARD_E_NO_MEMORY", "out of memory"},
    {SCARD_F_COMM_ERROR, "SCARD_F_COMM_ERROR", "communication with pcscd failed"},
    {SCARD_E_CANCELLED, "SCARD_E_CANCELLED", "cancelled"},
};

const CodeInfo* find(LONG code) {
  for (const CodeInfo& info : kKnownCodes) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

}  // namespace

std::string describePcscCode(LONG code) {
  if (const CodeInfo* info = find(code)) return info->explanation;
  return pcsc_stringify_error(code);
}

bool isNoServiceCode(LONG code) {
  return code == SCARD_E_NO_SERVICE || code == SCARD_E_SERVICE_STOPPED;
}

bool isNoCardCode(LONG code) {
  return code == SCARD_E_NO_SMARTCARD || code == SCARD_W_REMOVED_CARD ||
         code == SCARD_W_UNPOWERED_CARD || code == SCARD_W_UNRESPONSIVE_CARD;
}

Error pcscError(std::string_view operation, LONG code, std::string_view where) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(code));
  const CodeInfo* info = find(code);
  std::string message(operation);
  if (!where.empty()) message.append(" on ").append(where);
  message.append(": ").append(describePcscCode(code)).append(" (");
  if (info != nullptr) message.append(info->name).append(", ");
  message.append(hex).append(")");
  return makeError(std::move(message));
}

}  // namespace hp::pcsc_bridge
