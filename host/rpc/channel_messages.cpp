#include "host/rpc/channel_messages.hpp"

#include <algorithm>

#include "host/channel/protocol.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::rpc {

namespace {
constexpr size_t kFragmentPayload = channel::kMaxRecordPlaintext - 1;
}

Result<void> sendMessage(channel::ChannelConnection& connection, std::string_view message,
                         ByteView attachment) {
  if (message.size() > protocol::rpc::kMaxMessageBytes)
    return makeError("RPC message too large to send");
  if (attachment.size() > kMaxAttachmentBytes) return makeError("RPC attachment too large");
  // The last record carries the attachment and a u16 text length: its text part is smaller.
  const size_t lastTextRoom =
      attachment.empty() ? kFragmentPayload
                         : std::min<size_t>(kFragmentPayload - 2 - attachment.size(), 0xFFFF);
  size_t offset = 0;
  while (true) {
    const size_t left = message.size() - offset;
    const bool last = left <= lastTextRoom;
    const size_t size = last ? left : std::min(kFragmentPayload, left);
    const bool withAttachment = last && !attachment.empty();
    // Sized once, so no reallocation leaves a copy behind; wiped after use (the attachment may
    // be secret).
    SecretBytes record(1 + (withAttachment ? 2 + attachment.size() : 0) + size);
    uint8_t* out = record.data();
    if (!last) {
      *out++ = kMoreFragments;
    } else if (!withAttachment) {
      *out++ = kFinalFragment;
    } else {
      *out++ = kFinalWithAttachment;
      *out++ = static_cast<uint8_t>(size >> 8);
      *out++ = static_cast<uint8_t>(size);
    }
    out = std::copy_n(message.begin() + static_cast<ptrdiff_t>(offset), size, out);
    if (withAttachment) std::copy(attachment.begin(), attachment.end(), out);
    if (auto sent = connection.send(record.view()); !sent) return sent.error();
    offset += size;
    if (last) return {};
  }
}

Result<std::optional<ChannelMessage>> receiveMessageWithAttachment(
    channel::ChannelConnection& connection) {
  ChannelMessage message;
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
    ByteView attachment;
    if (flag == kFinalWithAttachment) {
      if (bytes.size() < 3) return makeError("RPC: truncated attachment record");
      const size_t textSize = (size_t{bytes[1]} << 8) | bytes[2];
      if (bytes.size() - 3 < textSize) return makeError("RPC: truncated attachment record");
      text = bytes.subspan(3, textSize);
      attachment = bytes.subspan(3 + textSize);
      if (attachment.empty() || attachment.size() > kMaxAttachmentBytes) {
        return makeError("RPC: attachment empty or too large");
      }
    } else if (flag != kFinalFragment && flag != kMoreFragments) {
      return makeError("RPC: unknown fragment flag");
    }
    if (message.text.size() + text.size() > protocol::rpc::kMaxMessageBytes) {
      return makeError("RPC: message exceeds " + std::to_string(protocol::rpc::kMaxMessageBytes) +
                       " bytes");
    }
    message.text.append(text.begin(), text.end());
    if (flag == kMoreFragments) continue;
    message.attachment = SecretBytes(attachment);
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
