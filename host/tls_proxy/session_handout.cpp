#include "host/tls_proxy/session_handout.hpp"

#include <algorithm>
#include <limits>

#include "base/byte_codec.hpp"
#include "host/tls_proxy/session_fields.hpp"

namespace hp::tls_proxy {

namespace {

uint32_t clampSeconds(int64_t seconds) {
  if (seconds <= 0) return 0;
  return static_cast<uint32_t>(std::min<int64_t>(seconds, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

Result<SecretBytes> encodeSessionHandout(const SessionBlob& blob, int64_t nowUnix) {
  if (auto resumable = detail::checkResumable(blob, "session hand-out"); !resumable) {
    return resumable.error();
  }
  const uint32_t validFor = clampSeconds(blob.expiresUnix - nowUnix);
  if (validFor == 0) return makeError("session hand-out: the session has expired");
  base::ByteWriter out;  // wipes its buffer when destroyed
  out.u8(kSessionHandoutVersion);
  out.u16(blob.ciphersuite);
  out.u8(detail::sessionFlags(blob));
  out.raw(blob.masterSecret.view());
  detail::writeResumptionIds(out, blob);
  out.u32(clampSeconds(nowUnix - blob.createdUnix));
  out.u32(validFor);
  return SecretBytes(out.bytes());
}

Result<SessionBlob> decodeSessionHandout(ByteView encoded, const std::string& host, uint16_t port,
                                         int64_t nowUnix) {
  base::ByteReader in(encoded);
  if (const uint8_t version = in.u8(); !in.ok() || version != kSessionHandoutVersion) {
    return makeError("session hand-out: unsupported version");
  }
  SessionBlob blob;
  blob.ciphersuite = in.u16();
  if (!detail::setSessionFlags(in.u8(), blob)) return makeError("session hand-out: unknown flags");
  blob.masterSecret = SecretBytes(in.take(SessionBlob::kMasterSecretSize));
  if (!detail::readResumptionIds(in, blob)) {
    return makeError("session hand-out: session id longer than 32 bytes");
  }
  const uint32_t age = in.u32();
  const uint32_t validFor = in.u32();
  if (!in.ok()) return makeError("session hand-out: truncated");
  if (!in.atEnd()) return makeError("session hand-out: trailing bytes");
  if (auto resumable = detail::checkResumable(blob, "session hand-out"); !resumable) {
    return resumable.error();
  }
  if (validFor == 0) return makeError("session hand-out: the session has expired");
  blob.host = host;
  blob.port = port;
  blob.createdUnix = std::max<int64_t>(0, nowUnix - age);
  blob.expiresUnix = nowUnix + validFor;
  return blob;
}

}  // namespace hp::tls_proxy
