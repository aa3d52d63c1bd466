#include "channel_messages.hpp"

#include <algorithm>

#include "message.hpp"
#include "protocol.hpp"

namespace hp::rpc {

namespace {
constexpr size_t kFragmentPayload = channel::kMaxRecordPlaintext - 1;
}

Result<void> sendMessage(channel::ChannelConnection& connection, std::string_view message) {
  if (message.size() > kMaxMessageBytes) return makeError("RPC message too large to send");
  size_t offset = 0;
  do {
    const size_t size = std::min(kFragmentPayload, message.size() - offset);
    const bool last = offset + size == message.size();
    Bytes record;
    record.reserve(size + 1);
    record.push_back(last ? kFinalFragment : kMoreFragments);
    record.insert(record.end(), message.begin() + static_cast<ptrdiff_t>(offset),
                  message.begin() + static_cast<ptrdiff_t>(offset + size));
    if (auto sent = connection.send(record); !sent) return sent.error();
    offset += size;
  } while (offset < message.size());
  return {};
}

Result<std::optional<std::string>> receiveMessage(channel::ChannelConnection& connection) {
  std::string message;
  bool first = true;
  while (true) {
    auto record = connection.receive();
    if (!record) return record.error();
    if (!record->has_value()) {
      if (!first) return makeError("RPC: the peer closed in the middle of a message");
      return std::optional<std::string>{};
    }
    first = false;
    const Bytes& data = **record;
    if (data.empty()) return makeError("RPC: empty record");
    if (data[0] != kFinalFragment && data[0] != kMoreFragments) {
      return makeError("RPC: unknown fragment flag");
    }
    if (message.size() + data.size() - 1 > kMaxMessageBytes) {
      return makeError("RPC: message exceeds " + std::to_string(kMaxMessageBytes) + " bytes");
    }
    message.append(data.begin() + 1, data.end());
    if (data[0] == kFinalFragment) return std::optional<std::string>{std::move(message)};
  }
}

}  // namespace hp::rpc
