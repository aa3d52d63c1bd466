// The fixed session keys of the record fuzz targets: both ends of one channel, derived by the
// real key schedule from a constant secret, so a target can seal honest records and check that
// the other end opens exactly those and nothing else.
#pragma once

#include <memory>

#include "host/channel/key_schedule.hpp"
#include "host/channel/record_protector.hpp"
#include "tools/fuzz/fuzz_check.hpp"

namespace hp::fuzz {

inline channel::SessionKeys fixedSessionKeys() {
  const Bytes secret(32, 0x5A);
  channel::Hash transcript{};
  transcript.fill(0xC3);
  auto keys = channel::deriveSessionKeys(secret, transcript, channel::HandshakeKind::kFull);
  FUZZ_CHECK(keys.ok());
  return std::move(keys.value());
}

// The terminal's and the home server's protectors of one fresh channel.
struct ChannelEnds {
  std::unique_ptr<channel::RecordProtector> client;
  std::unique_ptr<channel::RecordProtector> server;
};

inline ChannelEnds freshChannel() {
  const channel::SessionKeys keys = fixedSessionKeys();
  return {std::make_unique<channel::RecordProtector>(keys, channel::Role::kClient),
          std::make_unique<channel::RecordProtector>(keys, channel::Role::kServer)};
}

}  // namespace hp::fuzz
