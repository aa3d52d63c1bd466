#include "session_handout.hpp"

#include <algorithm>
#include <limits>

#include "byte_codec.hpp"

namespace hp::tls {

namespace {

constexpr uint8_t kFlagExtendedMasterSecret = 0x01;
constexpr uint8_t kFlagEncryptThenMac = 0x02;

// Bounds-checked reader: once a read runs past the end every later read fails too.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  ByteView take(size_t n) {
    if (failed_ || in_.size() - pos_ < n) {
      failed_ = true;
      return {};
    }
    ByteView out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  uint32_t integer(size_t size) {
    uint32_t value = 0;
    for (uint8_t b : take(size)) value = (value << 8) | b;
    return value;
  }
  bool ok() const { return !failed_; }
  bool atEnd() const { return pos_ == in_.size(); }

 private:
  ByteView in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

uint32_t clampSeconds(int64_t seconds) {
  if (seconds <= 0) return 0;
  return static_cast<uint32_t>(std::min<int64_t>(seconds, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

Result<SecretBytes> encodeSessionHandout(const SessionBlob& blob, int64_t nowUnix) {
  if (blob.ciphersuite == 0) return makeError("session hand-out: ciphersuite is 0");
  if (blob.masterSecret.size() != SessionBlob::kMasterSecretSize) {
    return makeError("session hand-out: master secret must be 48 bytes");
  }
  if (blob.sessionId.size() > SessionBlob::kMaxSessionIdSize) {
    return makeError("session hand-out: session id longer than 32 bytes");
  }
  if (blob.ticket.size() > 0xFFFF) return makeError("session hand-out: ticket too long");
  if (blob.sessionId.empty() && blob.ticket.empty()) {
    return makeError("session hand-out: neither a session id nor a ticket");
  }
  const uint32_t validFor = clampSeconds(blob.expiresUnix - nowUnix);
  if (validFor == 0) return makeError("session hand-out: the session has expired");
  card::ByteWriter out;  // wipes its buffer when destroyed
  out.u8(kSessionHandoutVersion);
  out.u16(blob.ciphersuite);
  out.u8(static_cast<uint8_t>((blob.extendedMasterSecret ? kFlagExtendedMasterSecret : 0) |
                              (blob.encryptThenMac ? kFlagEncryptThenMac : 0)));
  out.raw(blob.masterSecret.view());
  out.u8(static_cast<uint8_t>(blob.sessionId.size()));
  out.raw(blob.sessionId);
  out.u16(static_cast<uint16_t>(blob.ticket.size()));
  out.raw(blob.ticket);
  out.u32(blob.ticketLifetimeSeconds);
  out.u32(clampSeconds(nowUnix - blob.createdUnix));
  out.u32(validFor);
  return SecretBytes(out.bytes());
}

Result<SessionBlob> decodeSessionHandout(ByteView encoded, const std::string& host, uint16_t port,
                                         int64_t nowUnix) {
  Reader in(encoded);
  if (const uint32_t version = in.integer(1); !in.ok() || version != kSessionHandoutVersion) {
    return makeError("session hand-out: unsupported version");
  }
  SessionBlob blob;
  blob.ciphersuite = static_cast<uint16_t>(in.integer(2));
  const uint32_t flags = in.integer(1);
  if (flags & ~uint32_t{kFlagExtendedMasterSecret | kFlagEncryptThenMac}) {
    return makeError("session hand-out: unknown flags");
  }
  blob.extendedMasterSecret = (flags & kFlagExtendedMasterSecret) != 0;
  blob.encryptThenMac = (flags & kFlagEncryptThenMac) != 0;
  blob.masterSecret = SecretBytes(in.take(SessionBlob::kMasterSecretSize));
  const uint32_t idLength = in.integer(1);
  if (idLength > SessionBlob::kMaxSessionIdSize) {
    return makeError("session hand-out: session id longer than 32 bytes");
  }
  const ByteView id = in.take(idLength);
  blob.sessionId.assign(id.begin(), id.end());
  const ByteView ticket = in.take(in.integer(2));
  blob.ticket.assign(ticket.begin(), ticket.end());
  blob.ticketLifetimeSeconds = in.integer(4);
  const uint32_t age = in.integer(4);
  const uint32_t validFor = in.integer(4);
  if (!in.ok()) return makeError("session hand-out: truncated");
  if (!in.atEnd()) return makeError("session hand-out: trailing bytes");
  if (blob.ciphersuite == 0) return makeError("session hand-out: ciphersuite is 0");
  if (blob.sessionId.empty() && blob.ticket.empty()) {
    return makeError("session hand-out: neither a session id nor a ticket");
  }
  if (validFor == 0) return makeError("session hand-out: the session has expired");
  blob.host = host;
  blob.port = port;
  blob.createdUnix = std::max<int64_t>(0, nowUnix - age);
  blob.expiresUnix = nowUnix + validFor;
  return blob;
}

}  // namespace hp::tls
