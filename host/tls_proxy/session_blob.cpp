#include "session_blob.hpp"

#include <algorithm>

#include "byte_codec.hpp"

namespace hp::tls {

namespace {

constexpr uint8_t kMagic[4] = {'H', 'P', 'T', 'S'};
constexpr uint8_t kFlagExtendedMasterSecret = 0x01;
constexpr uint8_t kFlagEncryptThenMac = 0x02;
constexpr size_t kMaxHostSize = 253;

// Host names (letters, digits, '-', '.') and IPv4 literals; anything else (spaces, control
// characters, '/', '@') has no business in a host field and is refused.
bool isValidHost(const std::string& host) {
  if (host.empty() || host.size() > kMaxHostSize) return false;
  if (host.front() == '.' || host.front() == '-') return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

Result<void> validate(const SessionBlob& blob) {
  if (blob.ciphersuite == 0) return makeError("session blob: ciphersuite is 0");
  if (blob.masterSecret.size() != SessionBlob::kMasterSecretSize) {
    return makeError("session blob: master secret must be 48 bytes");
  }
  if (blob.sessionId.size() > SessionBlob::kMaxSessionIdSize) {
    return makeError("session blob: session id longer than 32 bytes");
  }
  if (blob.ticket.size() > 0xFFFF) return makeError("session blob: ticket too long");
  if (blob.sessionId.empty() && blob.ticket.empty()) {
    return makeError("session blob: neither a session id nor a ticket");
  }
  if (!isValidHost(blob.host)) return makeError("session blob: invalid shop host");
  if (blob.port == 0) return makeError("session blob: port 0");
  if (blob.createdUnix < 0 || blob.expiresUnix <= blob.createdUnix) {
    return makeError("session blob: expiry is not after creation");
  }
  return {};
}

// Bounds-checked reader: once a read runs past the end every later read fails too, and the
// caller refuses the whole blob (card::ByteReader only knows u32-prefixed strings).
class BlobReader {
 public:
  explicit BlobReader(ByteView in) : in_(in) {}
  ByteView take(size_t n) {
    if (failed_ || in_.size() - pos_ < n) {
      failed_ = true;
      return {};
    }
    ByteView out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  uint8_t u8() { return integer<uint8_t>(1); }
  uint16_t u16() { return integer<uint16_t>(2); }
  uint32_t u32() { return integer<uint32_t>(4); }
  uint64_t u64() { return integer<uint64_t>(8); }
  bool ok() const { return !failed_; }
  bool atEnd() const { return pos_ == in_.size(); }

 private:
  template <class T>
  T integer(size_t size) {
    ByteView bytes = take(size);
    T value = 0;
    for (uint8_t b : bytes) value = static_cast<T>((value << 8) | b);
    return value;
  }
  ByteView in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace

Result<SecretBytes> encodeSessionBlob(const SessionBlob& blob) {
  if (auto valid = validate(blob); !valid) return valid.error();
  card::ByteWriter out;  // wipes its buffer when destroyed
  out.raw(kMagic);
  out.u8(SessionBlob::kVersion);
  out.u16(blob.ciphersuite);
  out.raw(blob.masterSecret.view());
  out.u8(static_cast<uint8_t>(blob.sessionId.size()));
  out.raw(blob.sessionId);
  out.u16(static_cast<uint16_t>(blob.ticket.size()));
  out.raw(blob.ticket);
  out.u32(blob.ticketLifetimeSeconds);
  out.u8(static_cast<uint8_t>((blob.extendedMasterSecret ? kFlagExtendedMasterSecret : 0) |
                              (blob.encryptThenMac ? kFlagEncryptThenMac : 0)));
  out.u8(static_cast<uint8_t>(blob.host.size()));
  out.raw(ByteView(reinterpret_cast<const uint8_t*>(blob.host.data()), blob.host.size()));
  out.u16(blob.port);
  out.raw(blob.shopCertificateSha256);
  out.u64(static_cast<uint64_t>(blob.createdUnix));
  out.u64(static_cast<uint64_t>(blob.expiresUnix));
  return SecretBytes(out.bytes());
}

Result<SessionBlob> decodeSessionBlob(ByteView encoded) {
  BlobReader in(encoded);
  SessionBlob blob;
  ByteView magic = in.take(sizeof kMagic);
  if (!in.ok() || !std::equal(magic.begin(), magic.end(), std::begin(kMagic))) {
    return makeError("session blob: not a homeproxy session (bad magic)");
  }
  if (const uint8_t version = in.u8(); !in.ok() || version != SessionBlob::kVersion) {
    return makeError("session blob: unsupported version");
  }
  blob.ciphersuite = in.u16();
  blob.masterSecret = SecretBytes(in.take(SessionBlob::kMasterSecretSize));
  const uint8_t idLength = in.u8();
  if (idLength > SessionBlob::kMaxSessionIdSize) {
    return makeError("session blob: session id longer than 32 bytes");
  }
  ByteView id = in.take(idLength);
  blob.sessionId.assign(id.begin(), id.end());
  const uint16_t ticketLength = in.u16();
  ByteView ticket = in.take(ticketLength);
  blob.ticket.assign(ticket.begin(), ticket.end());
  blob.ticketLifetimeSeconds = in.u32();
  const uint8_t flags = in.u8();
  if (flags & ~(kFlagExtendedMasterSecret | kFlagEncryptThenMac)) {
    return makeError("session blob: unknown flags");
  }
  blob.extendedMasterSecret = (flags & kFlagExtendedMasterSecret) != 0;
  blob.encryptThenMac = (flags & kFlagEncryptThenMac) != 0;
  const uint8_t hostLength = in.u8();
  ByteView host = in.take(hostLength);
  blob.host.assign(host.begin(), host.end());
  blob.port = in.u16();
  ByteView digest = in.take(blob.shopCertificateSha256.size());
  if (in.ok()) std::copy(digest.begin(), digest.end(), blob.shopCertificateSha256.begin());
  const uint64_t created = in.u64();
  const uint64_t expires = in.u64();
  if (!in.ok()) return makeError("session blob: truncated");
  if (!in.atEnd()) return makeError("session blob: trailing bytes");
  if (created > static_cast<uint64_t>(INT64_MAX) || expires > static_cast<uint64_t>(INT64_MAX)) {
    return makeError("session blob: time out of range");
  }
  blob.createdUnix = static_cast<int64_t>(created);
  blob.expiresUnix = static_cast<int64_t>(expires);
  if (auto valid = validate(blob); !valid) return valid.error();
  return blob;
}

}  // namespace hp::tls
