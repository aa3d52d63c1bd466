// What the channel needs from the cards, as interfaces so the protocol stays pure and testable:
// the terminal's access card (ephemeral share + ECDH), the home server's registry of terminals
// (later the home card's registry) and the home server's long-term signing key.
#pragma once

#include <string_view>

#include "bytes.hpp"
#include "clock.hpp"
#include "crypto.hpp"
#include "messages.hpp"
#include "result.hpp"

namespace hp::channel {

// The server's half of a full handshake as the terminal's card checks it: the ephemeral point,
// the transcript hash H(ClientHello || ServerHello without signature) and the home server's
// signature over card::serverHelloSignedHash(point, transcript hash).
struct SignedServerShare {
  ByteView ephemeralPoint;
  Hash transcriptHash;
  ByteView signature;
};

// The error message of agree() when the server's signature does not verify with the home
// server key the agent holds (an impostor server, or a man in the middle).
inline constexpr std::string_view kBadServerSignature =
    "server signature does not verify with the home server key we hold";

// The terminal side's card. prepareShare runs before connecting (the seed's "previous
// process"): the card generates an ephemeral P-256 key pair and signs its statement with the
// terminal's long-term key. agree() is the only card operation at connect time: the card checks
// the home server's signature with the home server key it holds (so the terminal itself does no
// public-key operation), and only then uses the pending ephemeral, once; it forgets it whatever
// the outcome (forward secrecy, single use, no ECDH oracle for unsigned points).
class TerminalKeyAgent {
 public:
  virtual ~TerminalKeyAgent() = default;
  virtual Result<SignedShare> prepareShare(uint64_t nowMs) = 0;
  virtual Result<SecretBytes> agree(const SignedServerShare& server) = 0;
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
class SystemWallClock final : public card::Clock {
 public:
  uint64_t nowMs() override;
};

}  // namespace hp::channel
