// RPC messages over the control channel. A channel record carries at most 64 KiB
// (channel::kMaxRecordPlaintext) but an RPC message may be up to kMaxMessageBytes (a relayed
// response), so each message travels as one or more records, each starting with a flag byte:
//   0x01 = more records of this message follow, 0x00 = last record of the message,
//   0x02 = last record of the message, carrying binary data after the text:
//          0x02 || u16 length of the text's last part || that text || attachment.
// The attachment lets a response carry binary data (the session hand-out of session.open)
// without base64 inside the JSON; it is at most kMaxAttachmentBytes and always fits the last
// record. Both sides (home server, terminal) use these functions and nothing else.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "host/channel/channel_connection.hpp"

namespace hp::rpc {

inline constexpr uint8_t kFinalFragment = 0x00;
inline constexpr uint8_t kMoreFragments = 0x01;
inline constexpr uint8_t kFinalWithAttachment = 0x02;
// 60 KiB: the PIM wing sends response bodies as attachments in parts of this size (docs/pim.md:
// base64 in the JSON cost a third more bytes); with a u16 text length and the flag it still fits
// one 64 KiB record.
inline constexpr size_t kMaxAttachmentBytes = 60 * 1024;

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
