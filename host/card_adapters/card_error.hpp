// The error side of every card adapter call: the status word the card answered (0 when no
// answer came back at all) and a message naming the card, the command and what went wrong.
// Messages never hold secrets (no PINs, no keys, no ticket bytes).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace hp::card_adapters {

struct CardError {
  uint16_t sw = 0;  // 0: the transport failed or the card's answer was malformed
  std::string message;
  // The card did not prove it holds the pinned card authentication key (HomeCardClient's
  // protected PIN path): it is not the card the host was provisioned with. No PIN was sent.
  bool notAuthenticated = false;

  bool noAnswer() const { return sw == 0; }
};

template <class T>
using CardResult = Result<T, CardError>;

// For the interfaces that speak hp::Error (channel, tls): the message carries the status word.
inline Error toError(const CardError& error) {
  return makeError(error.message);
}

}  // namespace hp::card_adapters
