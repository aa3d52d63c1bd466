// RPC messages over the control channel. A channel record carries at most 64 KiB
// (channel::kMaxRecordPlaintext) but an RPC message may be up to kMaxMessageBytes (a relayed
// response), so each message travels as one or more records, each starting with a flag byte:
//   0x01 = more records of this message follow, 0x00 = last record of the message.
// Both sides (home server, terminal) use these two functions and nothing else.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "channel_connection.hpp"

namespace hp::rpc {

inline constexpr uint8_t kFinalFragment = 0x00;
inline constexpr uint8_t kMoreFragments = 0x01;

Result<void> sendMessage(channel::ChannelConnection& connection, std::string_view message);
// The next whole message; nullopt after the peer's authenticated close. A message over
// kMaxMessageBytes, an empty record or an unknown flag is an error (the connection is then
// unusable: the peer and we disagree on where messages end).
Result<std::optional<std::string>> receiveMessage(channel::ChannelConnection& connection);

}  // namespace hp::rpc
