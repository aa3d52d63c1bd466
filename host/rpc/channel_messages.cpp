#include "host/rpc/channel_messages.hpp"

#include <algorithm>
#include <vector>

#include "host/channel/protocol.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::rpc {

namespace {

constexpr size_t kFragmentPayload = channel::kMaxRecordPlaintext - 1;

// One record: flag, then (attachment records) the u16 size of the text part, the text part and
// an attachment part. Sized once, so no reallocation leaves a copy behind; wiped after use (the
// attachment may be secret).
Result<void> sendRecord(channel::ChannelConnection& connection, uint8_t flag, std::string_view text,
                        ByteView part) {
  const bool withAttachment = flag == kFinalWithAttachment || flag == kMoreAttachment;
  SecretBytes record(1 + (withAttachment ? 2 : 0) + text.size() + part.size());
  uint8_t* out = record.data();
  *out++ = flag;
  if (withAttachment) {
    *out++ = static_cast<uint8_t>(text.size() >> 8);
    *out++ = static_cast<uint8_t>(text.size());
  }
  out = std::copy(text.begin(), text.end(), out);
  std::copy(part.begin(), part.end(), out);
  return connection.send(record.view());
}

}  // namespace

Result<void> sendMessage(channel::ChannelConnection& connection, std::string_view message,
                         ByteView attachment) {
  if (message.size() > protocol::rpc::kMaxMessageBytes)
    return makeError("RPC message too large to send");
  if (attachment.size() > kMaxAttachmentBytes) return makeError("RPC attachment too large");
  // The text's last part travels with the attachment's first part (a u16 size in front): an
  // attachment that fits one record leaves the rest of it to the text, as it always did; a
  // larger one takes all but one byte and goes on in further records.
  const size_t firstPart = std::min(attachment.size(), kFragmentPayload - 3);
  const size_t lastTextRoom = attachment.empty()
                                  ? kFragmentPayload
                                  : std::min<size_t>(kFragmentPayload - 2 - firstPart, 0xFFFF);
  size_t offset = 0;
  while (message.size() - offset > lastTextRoom) {
    const size_t size = std::min(kFragmentPayload, message.size() - offset);
    if (auto sent = sendRecord(connection, kMoreFragments, message.substr(offset, size), {}); !sent)
      return sent.error();
    offset += size;
  }
  std::string_view text = message.substr(offset);
  if (attachment.empty()) return sendRecord(connection, kFinalFragment, text, {});
  size_t done = 0;
  while (true) {
    const size_t size = std::min(attachment.size() - done, kFragmentPayload - 2 - text.size());
    const bool more = done + size < attachment.size();
    if (auto sent = sendRecord(connection, more ? kMoreAttachment : kFinalWithAttachment, text,
                               attachment.subspan(done, size));
        !sent)
      return sent.error();
    done += size;
    if (!more) return {};
    text = {};  // the text is complete: the records that follow carry attachment only
  }
}

Result<std::optional<ChannelMessage>> receiveMessageWithAttachment(
    channel::ChannelConnection& connection) {
  ChannelMessage message;
  // The attachment's parts, joined at the end (SecretBytes: every copy is wiped).
  std::vector<SecretBytes> parts;
  size_t attachmentSize = 0;
  bool first = true;
  while (true) {
    auto record = connection.receive();
    if (!record) return record.error();
    if (!record->has_value()) {
      if (!first) return makeError("RPC: the peer closed in the middle of a message");
      return std::optional<ChannelMessage>{};
    }
    first = false;
    SecretBytes data(**record);
    secureWipe(**record);
    if (data.empty()) return makeError("RPC: empty record");
    const ByteView bytes = data.view();
    const uint8_t flag = bytes[0];
    ByteView text = bytes.subspan(1);
    if (flag == kFinalWithAttachment || flag == kMoreAttachment) {
      if (bytes.size() < 3) return makeError("RPC: truncated attachment record");
      const size_t textSize = (size_t{bytes[1]} << 8) | bytes[2];
      if (bytes.size() - 3 < textSize) return makeError("RPC: truncated attachment record");
      if (!parts.empty() && textSize != 0) return makeError("RPC: text after the attachment");
      text = bytes.subspan(3, textSize);
      const ByteView part = bytes.subspan(3 + textSize);
      attachmentSize += part.size();
      if (part.empty() || attachmentSize > kMaxAttachmentBytes) {
        return makeError("RPC: attachment empty or too large");
      }
      parts.emplace_back(part);
    } else if (flag != kFinalFragment && flag != kMoreFragments) {
      return makeError("RPC: unknown fragment flag");
    } else if (!parts.empty()) {
      return makeError("RPC: text after the attachment");
    }
    if (message.text.size() + text.size() > protocol::rpc::kMaxMessageBytes) {
      return makeError("RPC: message exceeds " + std::to_string(protocol::rpc::kMaxMessageBytes) +
                       " bytes");
    }
    message.text.append(text.begin(), text.end());
    if (flag == kMoreFragments || flag == kMoreAttachment) continue;
    message.attachment = SecretBytes(attachmentSize);
    size_t at = 0;
    for (const SecretBytes& part : parts) {
      std::copy(part.view().begin(), part.view().end(), message.attachment.data() + at);
      at += part.size();
    }
    return std::optional<ChannelMessage>{std::move(message)};
  }
}

Result<std::optional<std::string>> receiveMessage(channel::ChannelConnection& connection) {
  auto message = receiveMessageWithAttachment(connection);
  if (!message) return message.error();
  if (!message->has_value()) return std::optional<std::string>{};
  return std::optional<std::string>{std::move((*message)->text)};
}

}  // namespace hp::rpc
