// What the home server's long-term key signs in the control channel's ServerHello
// (docs/control-channel.md). Shared by the access card, which checks the signature itself before
// it agrees a key with the server's ephemeral point (KEY AGREEMENT), and the host's channel code,
// which makes it: one encoding in one place, so the two can never drift apart.
#pragma once

#include <array>
#include <string_view>

#include "bytes.hpp"

namespace hp::card {

// Domain-separation label (hp::channel::kServerSignatureLabel is the same string).
inline constexpr std::string_view kServerHelloLabel = "homeproxy channel v1 server hello";

// SHA-256(len(label) (1) || label || server ephemeral point (65) || transcript hash (32)), where
// the transcript hash is H(ClientHello || ServerHello without its signature). The point is
// hashed on its own (it is also inside the transcript) so that a card that cannot parse the
// transcript still knows the point it is given is the one the server signed for this handshake.
std::array<uint8_t, 32> serverHelloSignedHash(ByteView serverEphemeralPoint,
                                              ByteView transcriptHash);

}  // namespace hp::card
