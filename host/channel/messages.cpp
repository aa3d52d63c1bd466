#include "host/channel/messages.hpp"

#include "base/byte_codec.hpp"
#include "protocol/channel/server_hello_statement.hpp"
#include "protocol/channel/share_statement.hpp"

namespace hp::channel {

namespace {

void writeHeader(base::ByteWriter& out, MessageType type) {
  out.u8(static_cast<uint8_t>(type));
  out.u16(kProtocolVersion);
}

void writeShortBlob(base::ByteWriter& out, ByteView value) {
  out.u8(static_cast<uint8_t>(value.size()));
  out.raw(value);
}

const char* messageName(MessageType type) {
  switch (type) {
    case MessageType::kClientHello:
      return "ClientHello";
    case MessageType::kServerHello:
      return "ServerHello";
    case MessageType::kFinished:
      return "Finished";
    case MessageType::kResumeHello:
      return "ResumeHello";
    case MessageType::kResumeAccept:
      return "ResumeAccept";
    case MessageType::kAlert:
      return "Alert";
  }
  return "?";
}

// Checks type and version and leaves the reader after the header.
Result<void> readHeader(base::ByteReader& in, ByteView message, MessageType expected) {
  auto type = peekMessageType(message);
  if (!type) return type.error();
  if (*type != expected) {
    return makeError(std::string("expected ") + messageName(expected) + ", got " +
                     messageName(*type));
  }
  in.u8();
  in.u16();
  return {};
}

Error malformed(MessageType type) {
  return makeError(std::string("malformed ") + messageName(type) + " message");
}

}  // namespace

bool isValidTerminalId(std::string_view id) {
  if (id.empty() || id.size() > kMaxTerminalIdSize) return false;
  for (char c : id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

// The access card builds and signs this statement itself: the encoding lives in the card
// runtime so card and host share it; so does the server hello statement, which the card checks.
static_assert(kShareLabel == protocol::channel::kShareStatementLabel);
static_assert(kServerSignatureLabel == protocol::channel::kServerHelloLabel);

Bytes shareStatement(const SignedShare& share) {
  return protocol::channel::encodeShareStatement(bytesOf(share.terminalId), share.ephemeralPoint,
                                                 share.createdAtMs, share.expiresAtMs);
}

Hash shareStatementHash(const SignedShare& share) {
  return labelledHash(kShareLabel, shareStatement(share));
}

Bytes encode(const ClientHello& message) {
  base::ByteWriter out;
  writeHeader(out, MessageType::kClientHello);
  writeShortBlob(out, bytesOf(message.share.terminalId));
  out.raw(message.share.ephemeralPoint);
  out.u64(message.share.createdAtMs);
  out.u64(message.share.expiresAtMs);
  writeShortBlob(out, message.share.signature);
  out.raw(message.clientNonce);
  return out.take();
}

Bytes encodeUnsigned(const ServerHello& message) {
  base::ByteWriter out;
  writeHeader(out, MessageType::kServerHello);
  out.raw(message.ephemeralPoint);
  out.raw(message.serverNonce);
  out.raw(message.ticketId);
  out.u64(message.ticketLifetimeMs);
  return out.take();
}

Bytes encode(const ServerHello& message) {
  Bytes out = encodeUnsigned(message);
  out.push_back(static_cast<uint8_t>(message.signature.size()));
  append(out, message.signature);
  return out;
}

Bytes encode(const Finished& message) {
  base::ByteWriter out;
  writeHeader(out, MessageType::kFinished);
  out.raw(message.mac);
  return out.take();
}

Bytes encode(const ResumeHello& message) {
  base::ByteWriter out;
  writeHeader(out, MessageType::kResumeHello);
  out.raw(message.ticketId);
  out.raw(message.ephemeralPoint);
  out.raw(message.clientNonce);
  return out.take();
}

Bytes encode(const ResumeAccept& message) {
  base::ByteWriter out;
  writeHeader(out, MessageType::kResumeAccept);
  out.raw(message.ephemeralPoint);
  out.raw(message.serverNonce);
  out.raw(message.ticketId);
  out.u64(message.ticketLifetimeMs);
  return out.take();
}

Bytes encode(const Alert& message) {
  base::ByteWriter out;
  writeHeader(out, MessageType::kAlert);
  out.u8(static_cast<uint8_t>(message.code));
  const std::string text = message.text.substr(0, kMaxAlertTextSize);
  writeShortBlob(out, bytesOf(text));
  return out.take();
}

bool hasForeignVersion(ByteView message) {
  return message.size() >= 3 &&
         static_cast<uint16_t>((message[1] << 8) | message[2]) != kProtocolVersion;
}

Result<MessageType> peekMessageType(ByteView message) {
  if (message.size() < 3) return makeError("handshake message shorter than its header");
  if (message.size() > kMaxHandshakeMessageSize) return makeError("handshake message too long");
  const uint16_t version = static_cast<uint16_t>((message[1] << 8) | message[2]);
  // Checked before the type: a future version may define other types.
  if (version != kProtocolVersion) {
    return makeError("unsupported protocol version " + std::to_string(version) + " (we speak " +
                     std::to_string(kProtocolVersion) + ")");
  }
  const uint8_t type = message[0];
  if (type < static_cast<uint8_t>(MessageType::kClientHello) ||
      type > static_cast<uint8_t>(MessageType::kAlert)) {
    return makeError("unknown handshake message type " + std::to_string(type));
  }
  return static_cast<MessageType>(type);
}

Result<ClientHello> parseClientHello(ByteView message) {
  base::ByteReader in(message);
  if (auto header = readHeader(in, message, MessageType::kClientHello); !header) {
    return header.error();
  }
  ClientHello hello;
  const Bytes id = base::copyOf(in.shortBlob(1, kMaxTerminalIdSize));
  hello.share.terminalId.assign(id.begin(), id.end());
  hello.share.ephemeralPoint = base::copyOf(in.take(kPointSize));
  hello.share.createdAtMs = in.u64();
  hello.share.expiresAtMs = in.u64();
  hello.share.signature = base::copyOf(in.shortBlob(1, kMaxSignatureSize));
  hello.clientNonce = base::copyOf(in.take(kNonceSize));
  if (!in.finishedCleanly()) return malformed(MessageType::kClientHello);
  if (!isValidTerminalId(hello.share.terminalId)) return makeError("invalid terminal ID");
  return hello;
}

Result<ServerHello> parseServerHello(ByteView message) {
  base::ByteReader in(message);
  if (auto header = readHeader(in, message, MessageType::kServerHello); !header) {
    return header.error();
  }
  ServerHello hello;
  hello.ephemeralPoint = base::copyOf(in.take(kPointSize));
  hello.serverNonce = base::copyOf(in.take(kNonceSize));
  hello.ticketId = base::copyOf(in.take(kTicketIdSize));
  hello.ticketLifetimeMs = in.u64();
  hello.signature = base::copyOf(in.shortBlob(1, kMaxSignatureSize));
  if (!in.finishedCleanly()) return malformed(MessageType::kServerHello);
  return hello;
}

Result<Finished> parseFinished(ByteView message) {
  base::ByteReader in(message);
  if (auto header = readHeader(in, message, MessageType::kFinished); !header) {
    return header.error();
  }
  Finished finished;
  finished.mac = base::copyOf(in.take(kMacSize));
  if (!in.finishedCleanly()) return malformed(MessageType::kFinished);
  return finished;
}

Result<ResumeHello> parseResumeHello(ByteView message) {
  base::ByteReader in(message);
  if (auto header = readHeader(in, message, MessageType::kResumeHello); !header) {
    return header.error();
  }
  ResumeHello hello;
  hello.ticketId = base::copyOf(in.take(kTicketIdSize));
  hello.ephemeralPoint = base::copyOf(in.take(kPointSize));
  hello.clientNonce = base::copyOf(in.take(kNonceSize));
  if (!in.finishedCleanly()) return malformed(MessageType::kResumeHello);
  return hello;
}

Result<ResumeAccept> parseResumeAccept(ByteView message) {
  base::ByteReader in(message);
  if (auto header = readHeader(in, message, MessageType::kResumeAccept); !header) {
    return header.error();
  }
  ResumeAccept accept;
  accept.ephemeralPoint = base::copyOf(in.take(kPointSize));
  accept.serverNonce = base::copyOf(in.take(kNonceSize));
  accept.ticketId = base::copyOf(in.take(kTicketIdSize));
  accept.ticketLifetimeMs = in.u64();
  if (!in.finishedCleanly()) return malformed(MessageType::kResumeAccept);
  return accept;
}

Result<Alert> parseAlert(ByteView message) {
  base::ByteReader in(message);
  if (auto header = readHeader(in, message, MessageType::kAlert); !header) {
    return header.error();
  }
  Alert alert;
  const uint8_t code = in.u8();
  const Bytes text = base::copyOf(in.shortBlob(0, kMaxAlertTextSize));
  if (!in.finishedCleanly()) return malformed(MessageType::kAlert);
  if (code < static_cast<uint8_t>(AlertCode::kMalformed) ||
      code > static_cast<uint8_t>(AlertCode::kInternal)) {
    return makeError("unknown alert code " + std::to_string(code));
  }
  alert.code = static_cast<AlertCode>(code);
  // Alert text comes from the peer: keep only printable ASCII before anyone logs it.
  for (uint8_t c : text) alert.text.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  return alert;
}

}  // namespace hp::channel
