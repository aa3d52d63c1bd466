// Terminal side of proxy key exchange: resumes a session the home server negotiated, with an
// abbreviated TLS 1.2 handshake. This side holds no private key and no trust store, so it can do
// no certificate or public-key operation; if the shop will not resume, the connection fails
// ("ask the home server for a fresh session") instead of starting a full handshake.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/tls_proxy/delegated_handshake.hpp"
#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/shop_socket.hpp"

namespace hp::tls_proxy {

struct ResumeOptions {
  std::string connectAddress;  // where to connect if not the blob's host (tests: "127.0.0.1")
  uint32_t readTimeoutMs = 10'000;
  UnixClock now = systemUnixNow;
};

// What the abbreviated handshake looked like, for tests and diagnostics.
struct ResumptionEvidence {
  bool resumed = false;
  std::vector<uint8_t> clearHandshakeTypesSent;      // expected: ClientHello only
  std::vector<uint8_t> clearHandshakeTypesReceived;  // expected: ServerHello [NewSessionTicket]
  size_t certificateVerifications = 0;  // calls of the X.509 verify callback; expected 0
  bool peerCertificatePresent = false;  // expected false: no Certificate message was parsed
  WireStats handshakeWire;              // bytes up to the end of the handshake
};

class TlsStream {
 public:
  virtual ~TlsStream() = default;
  virtual Result<void> writeAll(ByteView data) = 0;
  // Some application data; an empty result means the shop closed the connection.
  virtual Result<Bytes> readSome() = 0;
};

class ResumedConnection final : public TlsStream {
 public:
  static Result<std::unique_ptr<ResumedConnection>> open(const SessionBlob& blob,
                                                         const ResumeOptions& options = {});
  ~ResumedConnection() override;
  ResumedConnection(const ResumedConnection&) = delete;
  ResumedConnection& operator=(const ResumedConnection&) = delete;

  Result<void> writeAll(ByteView data) override;
  Result<Bytes> readSome() override;
  // Sends close_notify.
  Result<void> close();
  // True if nothing arrived since the last read and the shop has not closed: an idle keep-alive
  // connection that may carry another request (the relay's warm pool checks before reuse).
  bool idleAndOpen() const;

  const ResumptionEvidence& evidence() const { return evidence_; }
  WireStats wire() const;
  std::string ciphersuiteName();

 private:
  struct Impl;
  explicit ResumedConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  ResumptionEvidence evidence_;
};

}  // namespace hp::tls_proxy
