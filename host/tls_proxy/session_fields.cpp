#include "host/tls_proxy/session_fields.hpp"

namespace hp::tls_proxy::detail {

namespace {

constexpr uint8_t kFlagExtendedMasterSecret = 0x01;
constexpr uint8_t kFlagEncryptThenMac = 0x02;

}  // namespace

uint8_t sessionFlags(const SessionBlob& blob) {
  return static_cast<uint8_t>((blob.extendedMasterSecret ? kFlagExtendedMasterSecret : 0) |
                              (blob.encryptThenMac ? kFlagEncryptThenMac : 0));
}

bool setSessionFlags(uint8_t flags, SessionBlob& blob) {
  if (flags & ~(kFlagExtendedMasterSecret | kFlagEncryptThenMac)) return false;
  blob.extendedMasterSecret = (flags & kFlagExtendedMasterSecret) != 0;
  blob.encryptThenMac = (flags & kFlagEncryptThenMac) != 0;
  return true;
}

void writeResumptionIds(base::ByteWriter& out, const SessionBlob& blob) {
  out.u8(static_cast<uint8_t>(blob.sessionId.size()));
  out.raw(blob.sessionId);
  out.u16(static_cast<uint16_t>(blob.ticket.size()));
  out.raw(blob.ticket);
  out.u32(blob.ticketLifetimeSeconds);
}

bool readResumptionIds(base::ByteReader& in, SessionBlob& blob) {
  const uint8_t idLength = in.u8();
  if (idLength > SessionBlob::kMaxSessionIdSize) return false;
  const ByteView id = in.take(idLength);
  blob.sessionId.assign(id.begin(), id.end());
  const ByteView ticket = in.take(in.u16());
  blob.ticket.assign(ticket.begin(), ticket.end());
  blob.ticketLifetimeSeconds = in.u32();
  return true;
}

Result<void> checkResumable(const SessionBlob& blob, const std::string& what) {
  if (blob.ciphersuite == 0) return makeError(what + ": ciphersuite is 0");
  if (blob.masterSecret.size() != SessionBlob::kMasterSecretSize) {
    return makeError(what + ": master secret must be 48 bytes");
  }
  if (blob.sessionId.size() > SessionBlob::kMaxSessionIdSize) {
    return makeError(what + ": session id longer than 32 bytes");
  }
  if (blob.ticket.size() > 0xFFFF) return makeError(what + ": ticket too long");
  if (blob.sessionId.empty() && blob.ticket.empty()) {
    return makeError(what + ": neither a session id nor a ticket");
  }
  return {};
}

}  // namespace hp::tls_proxy::detail
