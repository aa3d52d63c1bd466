// What the channel needs from the cards, as interfaces so the protocol stays pure and testable:
// the terminal's access card (ephemeral shares, ECDH, key schedule, resumption ticket), the
// home server's registry of terminals
// (later the home card's registry) and the home server's long-term signing key.
#pragma once

#include <optional>
#include <string_view>

#include "base/bytes.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "host/channel/crypto.hpp"
#include "host/channel/key_schedule.hpp"
#include "host/channel/messages.hpp"

namespace hp::channel {

// The server's half of a full handshake as the terminal's card checks it, and what the card
// needs to run the key schedule: the server's ephemeral point, the transcript hash the server
// signed, H(ClientHello || ServerHello without signature), the home server's signature over
// card::serverHelloSignedHash(server point, the card's own pending point, that hash), the key
// schedule's transcript hash H(ClientHello || ServerHello), and the ticket the server announces.
struct SignedServerShare {
  ByteView ephemeralPoint;
  Hash transcriptHash;
  ByteView signature;
  Hash keyScheduleHash;
  ByteView ticketId;
  uint64_t ticketLifetimeMs = 0;
};

// What the card offers to resume: the ID of the ticket it holds and a fresh ephemeral point.
struct ResumeOffer {
  Bytes ticketId;
  Bytes ephemeralPoint;
};

// The server's half of a resumption: its ephemeral point, H(ResumeHello || ResumeAccept), and
// the next ticket (the card's ticket is single use: this one replaces it).
struct ServerResumeShare {
  ByteView ephemeralPoint;
  Hash transcriptHash;
  ByteView newTicketId;
  uint64_t newTicketLifetimeMs = 0;
};

// The error message of agree() when the server's signature does not verify with the home
// server key the agent holds (an impostor server, a man in the middle, or a signature made for
// another share).
inline constexpr std::string_view kBadServerSignature =
    "server signature does not verify with the home server key we hold";

// The terminal side's card. prepareShare runs before connecting (the seed's "previous
// process"): the card generates an ephemeral P-256 key pair and signs its statement with the
// terminal's long-term key. agree() is the only card operation of a full handshake: the card
// checks the home server's signature (so the terminal itself does no public-key operation),
// only then uses the pending ephemeral, once (it forgets it whatever the outcome: forward
// secrecy, single use, no ECDH oracle), runs the key schedule and returns this connection's
// keys only (no resumption secret): the resumption secret stays inside the agent as its ticket.
// prepareResume() offers that ticket with a fresh ephemeral point (nullopt: no live ticket);
// agreeResume() does ECDH with it, derives the resumed keys from (resumption secret || Z) and
// replaces the ticket with the next one, single use whatever the outcome. A lock wipes it all.
class TerminalKeyAgent {
 public:
  virtual ~TerminalKeyAgent() = default;
  virtual Result<SignedShare> prepareShare(uint64_t nowMs) = 0;
  virtual Result<SessionKeys> agree(const SignedServerShare& server) = 0;
  virtual Result<std::optional<ResumeOffer>> prepareResume() = 0;
  virtual Result<SessionKeys> agreeResume(const ServerResumeShare& server) = 0;
};

// The home server's view of the registered terminals: the long-term public key (uncompressed
// P-256) of an active terminal, or an error saying it is unknown or revoked.
class TerminalRegistry {
 public:
  virtual ~TerminalRegistry() = default;
  virtual Result<Bytes> terminalKey(std::string_view terminalId) = 0;
};

// The home server's long-term key: signs the handshake transcript hash.
class ServerSigner {
 public:
  virtual ~ServerSigner() = default;
  virtual Result<Bytes> sign(const Hash& hash) = 0;  // DER ECDSA P-256
};

// Wall-clock milliseconds since the Unix epoch: a share's validity window must mean the same
// on the terminal and the server, which a monotonic clock with its own origin does not.
class SystemWallClock final : public base::Clock {
 public:
  uint64_t nowMs() override;
};

}  // namespace hp::channel
