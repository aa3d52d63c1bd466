#include "host/pcsc_bridge/pcsc_context.hpp"

#include "host/pcsc_bridge/pcsc_error.hpp"

namespace hp::pcsc_bridge {

Result<PcscContext> PcscContext::establish() {
  SCARDCONTEXT context = 0;
  const LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
  if (rc != SCARD_S_SUCCESS) return pcscError("SCardEstablishContext", rc);
  return PcscContext(std::make_shared<ContextHandle>(context));
}

Result<std::vector<std::string>> PcscContext::listReaders() const {
  // Size first, then the multi-string; a reader may appear in between, so retry on a short
  // buffer rather than fail.
  for (int attempt = 0; attempt < 3; ++attempt) {
    DWORD length = 0;
    LONG rc = SCardListReaders(handle_->get(), nullptr, nullptr, &length);
    if (rc != SCARD_S_SUCCESS) return pcscError("SCardListReaders", rc);
    std::string buffer(length, '\0');
    rc = SCardListReaders(handle_->get(), nullptr, buffer.data(), &length);
    if (rc == SCARD_E_INSUFFICIENT_BUFFER) continue;
    if (rc != SCARD_S_SUCCESS) return pcscError("SCardListReaders", rc);
    // "reader A\0reader B\0\0"
    std::vector<std::string> readers;
    for (size_t pos = 0; pos < length && buffer[pos] != '\0';) {
      const size_t end = buffer.find('\0', pos);
      readers.push_back(buffer.substr(pos, end - pos));
      pos = end + 1;
    }
    if (readers.empty()) return pcscError("SCardListReaders", SCARD_E_NO_READERS_AVAILABLE);
    return readers;
  }
  return makeError("SCardListReaders: the reader list kept changing");
}

Result<std::unique_ptr<PcscTransport>> PcscContext::connect(const std::string& readerName) const {
  SCARDHANDLE card = 0;
  DWORD protocol = 0;
  const LONG rc = SCardConnect(handle_->get(), readerName.c_str(), SCARD_SHARE_SHARED,
                               SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol);
  if (rc != SCARD_S_SUCCESS) {
    return pcscError("SCardConnect", rc, "PC/SC reader '" + readerName + "'");
  }
  return std::make_unique<PcscTransport>(handle_, card, protocol, readerName);
}

}  // namespace hp::pcsc_bridge
