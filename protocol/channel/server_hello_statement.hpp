// What the home server's long-term key signs in the control channel's ServerHello
// (docs/control-channel.md). Shared by the access card, which checks the signature itself before
// it agrees a key with the server's ephemeral point (KEY AGREEMENT), and the host's channel code,
// which makes it: one encoding in one place, so the two can never drift apart.
#pragma once

#include <array>
#include <string_view>

#include "base/bytes.hpp"

namespace hp::protocol::channel {

// Domain-separation label (hp::channel::kServerSignatureLabel is the same string). v2: the
// terminal's point is signed too (v1 signed only the server's point and the transcript).
inline constexpr std::string_view kServerHelloLabel = "homeproxy channel v2 server hello";

// SHA-256(len(label) (1) || label || server ephemeral point (65) || terminal ephemeral point (65)
// || transcript hash (32)), where the transcript hash is H(ClientHello || ServerHello without its
// signature). Both points are hashed on their own (they are also inside the transcript) so that
// a card that cannot parse the transcript still knows the point it is given is the one the
// server signed, and signed for the card's own pending share: the card fills the terminal point
// in itself, so a signature made for any other share does not verify (issue 8 item 5).
std::array<uint8_t, 32> serverHelloSignedHash(ByteView serverEphemeralPoint,
                                              ByteView terminalEphemeralPoint,
                                              ByteView transcriptHash);

}  // namespace hp::protocol::channel
