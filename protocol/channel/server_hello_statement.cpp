#include "protocol/channel/server_hello_statement.hpp"

#include "base/labelled_hash.hpp"

namespace hp::protocol::channel {

std::array<uint8_t, 32> serverHelloSignedHash(ByteView serverEphemeralPoint,
                                              ByteView terminalEphemeralPoint,
                                              ByteView transcriptHash) {
  // The points and the hash have fixed sizes (the callers check them).
  return labelledSha256(kServerHelloLabel,
                        {serverEphemeralPoint, terminalEphemeralPoint, transcriptHash});
}

}  // namespace hp::protocol::channel
