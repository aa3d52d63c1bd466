// RPC messages over the control channel. A channel record carries at most 64 KiB
// (channel::kMaxRecordPlaintext) but an RPC message may be up to kMaxMessageBytes (a relayed
// response), so each message travels as one or more records, each starting with a flag byte:
//   0x01 = more records of this message follow, 0x00 = last record of the message,
//   0x02 = last record of the message, carrying binary data after the text:
//          0x02 || u16 length of the text's last part || that text || attachment (last part),
//   0x03 = the same layout, more attachment records follow (their text length is 0).
// The attachment lets a message carry binary data (session.open's hand-out, relay.request's
// page or POST body, a PIM body) without base64 inside the JSON; it is at most
// kMaxAttachmentBytes and comes after the whole text. Both sides (home server, terminal) use
// these functions and nothing else.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "host/channel/channel_connection.hpp"

namespace hp::rpc {

inline constexpr uint8_t kFinalFragment = 0x00;
inline constexpr uint8_t kMoreFragments = 0x01;
inline constexpr uint8_t kFinalWithAttachment = 0x02;
inline constexpr uint8_t kMoreAttachment = 0x03;
// 1 MiB, as the text (kMaxMessageBytes): a relayed page (at most 512 KiB, relay.hpp) in one
// message. The PIM wing still sends its parts at most 60 KiB each (pim_methods.hpp).
inline constexpr size_t kMaxAttachmentBytes = 1u << 20;

// A whole message: JSON text and the binary attachment (empty if none). The attachment may hold
// secrets (a session's master secret), hence SecretBytes.
struct ChannelMessage {
  std::string text;
  SecretBytes attachment;
};

Result<void> sendMessage(channel::ChannelConnection& connection, std::string_view message,
                         ByteView attachment = {});
// The next whole message; nullopt after the peer's authenticated close. A message over
// kMaxMessageBytes, an empty record or an unknown flag is an error (the connection is then
// unusable: the peer and we disagree on where messages end).
Result<std::optional<ChannelMessage>> receiveMessageWithAttachment(
    channel::ChannelConnection& connection);
// The same for peers that expect no attachment: one that comes anyway is wiped and dropped.
Result<std::optional<std::string>> receiveMessage(channel::ChannelConnection& connection);

}  // namespace hp::rpc
