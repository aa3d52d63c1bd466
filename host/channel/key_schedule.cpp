#include "host/channel/key_schedule.hpp"

namespace hp::channel {

SessionKeys toSessionKeys(protocol::channel::ChannelKeys&& keys) {
  SessionKeys out;
  out.clientToServer.key = std::move(keys.clientToServerKey);
  out.clientToServer.iv = std::move(keys.clientToServerIv);
  out.serverToClient.key = std::move(keys.serverToClientKey);
  out.serverToClient.iv = std::move(keys.serverToClientIv);
  out.clientFinishedKey = std::move(keys.clientFinishedKey);
  out.serverFinishedKey = std::move(keys.serverFinishedKey);
  out.resumptionSecret = std::move(keys.resumptionSecret);
  return out;
}

Result<SessionKeys> deriveSessionKeys(ByteView secret, const Hash& transcriptHash,
                                      HandshakeKind kind) {
  if (secret.size() < 32) return makeError("key schedule input secret too short");
  auto keys = protocol::channel::deriveChannelKeys(
      secret, transcriptHash,
      kind == HandshakeKind::kFull ? protocol::channel::ChannelHandshakeKind::kFull
                                   : protocol::channel::ChannelHandshakeKind::kResumed);
  if (!keys) return makeError("key derivation failed");
  return toSessionKeys(std::move(*keys));
}

Result<SessionKeys> sessionKeysFromCard(ByteView trafficKeys) {
  auto keys = protocol::channel::decodeTrafficKeys(trafficKeys);
  if (!keys) return makeError("the card answered malformed channel keys");
  return toSessionKeys(std::move(*keys));
}

void Transcript::add(ByteView message) {
  appendU16(buffer_, static_cast<uint16_t>(message.size()));
  append(buffer_, message);
}

}  // namespace hp::channel
