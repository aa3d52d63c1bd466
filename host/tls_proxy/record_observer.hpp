// Watches one direction of a TLS byte stream and records the handshake messages that travel in
// the clear (everything before ChangeCipherSpec). It lets us read facts the TLS library keeps
// private (did the shop accept Extended Master Secret?) and prove from the wire that a resumed
// handshake carried no Certificate, key exchange or CertificateVerify message.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.hpp"

namespace hp::tls_proxy {

// TLS handshake message types (RFC 5246, 7.4).
namespace handshake_type {
constexpr uint8_t kClientHello = 1;
constexpr uint8_t kServerHello = 2;
constexpr uint8_t kNewSessionTicket = 4;
constexpr uint8_t kCertificate = 11;
constexpr uint8_t kServerKeyExchange = 12;
constexpr uint8_t kCertificateRequest = 13;
constexpr uint8_t kServerHelloDone = 14;
constexpr uint8_t kCertificateVerify = 15;
constexpr uint8_t kClientKeyExchange = 16;
}  // namespace handshake_type

// TLS extension types used here.
constexpr uint16_t kExtensionEncryptThenMac = 0x0016;        // RFC 7366
constexpr uint16_t kExtensionExtendedMasterSecret = 0x0017;  // RFC 7627

class RecordObserver {
 public:
  // Bytes exactly as they went over the socket, in order; any chunking.
  void feed(ByteView bytes);

  // Handshake message types seen before this direction's ChangeCipherSpec, in order.
  const std::vector<uint8_t>& clearHandshakeTypes() const { return types_; }
  // Body of the first ServerHello seen (empty if none).
  const Bytes& serverHelloBody() const { return serverHello_; }
  bool changeCipherSpecSeen() const { return changeCipherSpecSeen_; }
  // The stream did not parse as TLS records (then the facts above are incomplete).
  bool malformed() const { return malformed_; }

 private:
  void onRecord(uint8_t contentType, ByteView payload);
  Bytes pendingRecord_;
  Bytes pendingHandshake_;
  std::vector<uint8_t> types_;
  Bytes serverHello_;
  bool changeCipherSpecSeen_ = false;
  bool malformed_ = false;
};

// Extension types in a ServerHello body; nullopt if it does not parse.
std::optional<std::vector<uint16_t>> serverHelloExtensions(ByteView serverHelloBody);

}  // namespace hp::tls_proxy
