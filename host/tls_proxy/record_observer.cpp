#include "host/tls_proxy/record_observer.hpp"

namespace hp::tls_proxy {

namespace {
constexpr uint8_t kContentChangeCipherSpec = 20;
constexpr uint8_t kContentHandshake = 22;
constexpr size_t kRecordHeaderSize = 5;
constexpr size_t kHandshakeHeaderSize = 4;
// RFC 5246, 6.2.3: a TLSCiphertext fragment is at most 2^14 + 2048 bytes.
constexpr size_t kMaxRecordPayload = (1u << 14) + 2048;
}  // namespace

void RecordObserver::feed(ByteView bytes) {
  // Once encrypted, records tell us nothing more; stop buffering.
  if (changeCipherSpecSeen_ || malformed_) return;
  append(pendingRecord_, bytes);
  while (!changeCipherSpecSeen_ && !malformed_ && pendingRecord_.size() >= kRecordHeaderSize) {
    const size_t length = (static_cast<size_t>(pendingRecord_[3]) << 8) | pendingRecord_[4];
    if (length > kMaxRecordPayload) {
      malformed_ = true;
      break;
    }
    if (pendingRecord_.size() < kRecordHeaderSize + length) break;
    onRecord(pendingRecord_[0], ByteView(pendingRecord_).subspan(kRecordHeaderSize, length));
    pendingRecord_.erase(pendingRecord_.begin(),
                         pendingRecord_.begin() + static_cast<long>(kRecordHeaderSize + length));
  }
  if (changeCipherSpecSeen_ || malformed_) pendingRecord_.clear();
}

void RecordObserver::onRecord(uint8_t contentType, ByteView payload) {
  if (contentType == kContentChangeCipherSpec) {
    changeCipherSpecSeen_ = true;
    return;
  }
  if (contentType != kContentHandshake) return;  // alerts
  // Handshake messages may span records and records may hold several messages.
  append(pendingHandshake_, payload);
  while (pendingHandshake_.size() >= kHandshakeHeaderSize) {
    const size_t length = (static_cast<size_t>(pendingHandshake_[1]) << 16) |
                          (static_cast<size_t>(pendingHandshake_[2]) << 8) | pendingHandshake_[3];
    if (pendingHandshake_.size() < kHandshakeHeaderSize + length) break;
    const uint8_t type = pendingHandshake_[0];
    types_.push_back(type);
    if (type == handshake_type::kServerHello && serverHello_.empty()) {
      serverHello_.assign(
          pendingHandshake_.begin() + kHandshakeHeaderSize,
          pendingHandshake_.begin() + static_cast<long>(kHandshakeHeaderSize + length));
    }
    pendingHandshake_.erase(
        pendingHandshake_.begin(),
        pendingHandshake_.begin() + static_cast<long>(kHandshakeHeaderSize + length));
  }
}

std::optional<std::vector<uint16_t>> serverHelloExtensions(ByteView body) {
  // RFC 5246, 7.4.1.3: version(2) random(32) session_id<0..32> cipher_suite(2)
  // compression_method(1) [extensions<0..2^16-1>]
  size_t pos = 2 + 32;
  if (body.size() < pos + 1) return std::nullopt;
  pos += 1 + body[pos];
  pos += 2 + 1;
  if (body.size() < pos) return std::nullopt;
  std::vector<uint16_t> types;
  if (body.size() == pos) return types;
  if (body.size() < pos + 2) return std::nullopt;
  const size_t total = (static_cast<size_t>(body[pos]) << 8) | body[pos + 1];
  pos += 2;
  if (body.size() != pos + total) return std::nullopt;
  while (pos < body.size()) {
    if (body.size() - pos < 4) return std::nullopt;
    types.push_back(static_cast<uint16_t>((body[pos] << 8) | body[pos + 1]));
    const size_t length = (static_cast<size_t>(body[pos + 2]) << 8) | body[pos + 3];
    pos += 4;
    if (body.size() - pos < length) return std::nullopt;
    pos += length;
  }
  return types;
}

}  // namespace hp::tls_proxy
