#include "host/tls_proxy/session_blob.hpp"

#include <algorithm>

#include "base/byte_codec.hpp"
#include "host/tls_proxy/session_fields.hpp"

namespace hp::tls_proxy {

namespace {

constexpr uint8_t kMagic[4] = {'H', 'P', 'T', 'S'};
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
  if (auto resumable = detail::checkResumable(blob, "session blob"); !resumable) return resumable;
  if (!isValidHost(blob.host)) return makeError("session blob: invalid shop host");
  if (blob.port == 0) return makeError("session blob: port 0");
  if (blob.createdUnix < 0 || blob.expiresUnix <= blob.createdUnix) {
    return makeError("session blob: expiry is not after creation");
  }
  return {};
}

}  // namespace

Result<SecretBytes> encodeSessionBlob(const SessionBlob& blob) {
  if (auto valid = validate(blob); !valid) return valid.error();
  base::ByteWriter out;  // wipes its buffer when destroyed
  out.raw(kMagic);
  out.u8(SessionBlob::kVersion);
  out.u16(blob.ciphersuite);
  out.raw(blob.masterSecret.view());
  detail::writeResumptionIds(out, blob);
  out.u8(detail::sessionFlags(blob));
  out.u8(static_cast<uint8_t>(blob.host.size()));
  out.raw(ByteView(reinterpret_cast<const uint8_t*>(blob.host.data()), blob.host.size()));
  out.u16(blob.port);
  out.raw(blob.shopCertificateSha256);
  out.u64(static_cast<uint64_t>(blob.createdUnix));
  out.u64(static_cast<uint64_t>(blob.expiresUnix));
  return SecretBytes(out.bytes());
}

Result<SessionBlob> decodeSessionBlob(ByteView encoded) {
  base::ByteReader in(encoded);
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
  if (!detail::readResumptionIds(in, blob)) {
    return makeError("session blob: session id longer than 32 bytes");
  }
  if (!detail::setSessionFlags(in.u8(), blob)) return makeError("session blob: unknown flags");
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

}  // namespace hp::tls_proxy
