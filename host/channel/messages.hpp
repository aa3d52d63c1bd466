// The handshake messages of the control channel, their encodings and bounded parsers.
// Layout of every message: type (1) || version (2, big-endian) || fields. Variable fields carry
// a one-byte length; fixed-size fields (points, nonces, MACs, ticket IDs) carry none. A parser
// refuses a wrong type, an unknown version, any length outside its bound and trailing bytes, so
// each accepted message has exactly one encoding (the transcript hash depends on that).
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/channel/crypto.hpp"
#include "host/channel/protocol.hpp"

namespace hp::channel {

// The terminal's ephemeral key share, prepared and signed by its access card before connecting.
struct SignedShare {
  std::string terminalId;
  Bytes ephemeralPoint;  // uncompressed P-256
  uint64_t createdAtMs = 0;
  uint64_t expiresAtMs = 0;
  Bytes signature;  // DER ECDSA by the terminal's long-term key over shareStatementHash()
};

// The statement the terminal's long-term key signs: label, terminal ID, point, validity window.
Bytes shareStatement(const SignedShare& share);
Hash shareStatementHash(const SignedShare& share);

struct ClientHello {
  SignedShare share;
  Bytes clientNonce;
};

struct ServerHello {
  Bytes ephemeralPoint;
  Bytes serverNonce;
  Bytes ticketId;
  uint64_t ticketLifetimeMs = 0;
  Bytes signature;  // by the home server's long-term key over the transcript (see server side)
};

struct Finished {
  Bytes mac;
};

// ResumeHello = 04 || version || ticket_id (16) || e_T.pub (65) || client_nonce (32).
struct ResumeHello {
  Bytes ticketId;
  Bytes ephemeralPoint;  // the terminal's fresh ephemeral (its card's PREPARE RESUME)
  Bytes clientNonce;
};

// ResumeAccept = 05 || version || e_S.pub (65) || server_nonce (32) || new ticket_id (16)
//                || new ticket lifetime ms (8). The old ticket is used up (single use).
struct ResumeAccept {
  Bytes ephemeralPoint;
  Bytes serverNonce;
  Bytes ticketId;
  uint64_t ticketLifetimeMs = 0;
};

struct Alert {
  AlertCode code = AlertCode::kInternal;
  std::string text;
};

// Terminal IDs are logged, so they are limited to 1..64 characters of [A-Za-z0-9._-].
bool isValidTerminalId(std::string_view id);

Bytes encode(const ClientHello& message);
// The ServerHello without its signature: what the server's signature covers (with the hello).
Bytes encodeUnsigned(const ServerHello& message);
Bytes encode(const ServerHello& message);
Bytes encode(const Finished& message);
Bytes encode(const ResumeHello& message);
Bytes encode(const ResumeAccept& message);
Bytes encode(const Alert& message);

// True when a message is long enough to carry a version and it is not ours.
bool hasForeignVersion(ByteView message);
// The type of a handshake message after checking its version; refuses unknown types/versions.
Result<MessageType> peekMessageType(ByteView message);
Result<ClientHello> parseClientHello(ByteView message);
Result<ServerHello> parseServerHello(ByteView message);
Result<Finished> parseFinished(ByteView message);
Result<ResumeHello> parseResumeHello(ByteView message);
Result<ResumeAccept> parseResumeAccept(ByteView message);
Result<Alert> parseAlert(ByteView message);

}  // namespace hp::channel
