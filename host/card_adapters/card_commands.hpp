// What both card clients share: one ApduClient over a Transport, the APDU counter, the lock
// that keeps multi-command operations (MSE SET + PSO) together, and status words turned into
// CardErrors with readable messages.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "host/card_adapters/card_error.hpp"
#include "host/card_adapters/pin_verification.hpp"
#include "host/pcsc_bridge/apdu_client.hpp"
#include "host/pcsc_bridge/transport.hpp"

namespace hp::card_adapters {

// ISO 7816-4 5.6 meaning of a status word, e.g. "security status not satisfied" (6982),
// "verification failed, 2 tries left" (63C2).
std::string describeStatusWord(uint16_t sw);

class CardCommands {
 public:
  // `cardName` prefixes every message ("home card", "access card").
  CardCommands(pcsc_bridge::Transport& transport, std::string cardName);

  // Sends one command (chaining, GET RESPONSE and 6Cxx handled by ApduClient) and returns the
  // response whatever its status word; an error only when no usable answer came back.
  CardResult<pcsc_bridge::ResponseApdu> send(std::string_view what, uint8_t cla, uint8_t ins,
                                             uint8_t p1, uint8_t p2, ByteView data = {},
                                             uint32_t ne = 0);
  // The same, but anything other than 9000 is an error naming `what` and the status word.
  CardResult<Bytes> run(std::string_view what, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                        ByteView data = {}, uint32_t ne = 0);

  CardError failure(std::string_view what, uint16_t sw) const;
  CardError failure(std::string_view what, std::string_view why) const;

  // Command APDUs sent so far (one per command; GET RESPONSE and chained pieces not counted).
  uint64_t commandsSent() const { return commandsSent_; }
  // Held by every call; callers take it too around sequences that must not interleave with
  // another thread's commands (the card's security environment is shared state).
  std::recursive_mutex& mutex() { return mutex_; }
  pcsc_bridge::Transport& transport() { return transport_; }
  const std::string& cardName() const { return cardName_; }

 private:
  pcsc_bridge::Transport& transport_;
  pcsc_bridge::ApduClient client_;
  std::string cardName_;
  uint64_t commandsSent_ = 0;
  std::recursive_mutex mutex_;
};

// Shared by both clients: 9000 -> verified, 63Cx -> wrong with x tries left, 6983 -> blocked;
// any other status word is an error.
CardResult<PinVerification> pinOutcome(const CardCommands& commands, std::string_view what,
                                       CardResult<pcsc_bridge::ResponseApdu> response);

// 4-8 ASCII digits, as both cards require; checked on the host so a typo costs no try and
// the PIN never goes over the wire in a malformed command.
bool isPinFormat(std::string_view pin);

// Both cards' status object (GET DATA DF 01) is six one-byte TLVs, tags 80 to 85 (lifecycle,
// security state, three try counters or flags, a bitmask); nullopt when any is missing or not
// one byte long.
std::optional<std::array<uint8_t, 6>> parseStatusBytes(ByteView statusObject);

}  // namespace hp::card_adapters
