#include "protocol/channel/channel_key_schedule.hpp"

#include <mbedtls/hkdf.h>

#include <mbedtls/md.h>
#include <algorithm>

#include <string>
#include <string_view>

namespace hp::protocol::channel {

namespace {

struct Output {
  SecretBytes ChannelKeys::*target;
  std::string_view purpose;
  size_t length;
};

constexpr Output kOutputs[] = {
    {&ChannelKeys::clientToServerKey, "c2s key", kChannelKeySize},
    {&ChannelKeys::clientToServerIv, "c2s iv", kChannelIvSize},
    {&ChannelKeys::serverToClientKey, "s2c key", kChannelKeySize},
    {&ChannelKeys::serverToClientIv, "s2c iv", kChannelIvSize},
    {&ChannelKeys::clientFinishedKey, "c finished", kChannelKeySize},
    {&ChannelKeys::serverFinishedKey, "s finished", kChannelKeySize},
    {&ChannelKeys::resumptionSecret, "resumption", kResumptionSecretSize},
};
// The first six outputs are the traffic keys the card answers, in this order.
constexpr size_t kTrafficOutputs = 6;

}  // namespace

std::optional<ChannelKeys> deriveChannelKeys(ByteView inputSecret, ByteView transcriptHash,
                                             ChannelHandshakeKind kind) {
  if (inputSecret.size() < 32 || transcriptHash.size() != kChannelHashSize) return std::nullopt;
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  SecretBytes prk(32);
  if (mbedtls_hkdf_extract(md, transcriptHash.data(), transcriptHash.size(), inputSecret.data(),
                           inputSecret.size(), prk.data()) != 0) {
    return std::nullopt;
  }
  ChannelKeys keys;
  for (const Output& output : kOutputs) {
    std::string label = "homeproxy channel v2 ";
    label += kind == ChannelHandshakeKind::kFull ? "full " : "resumed ";
    label += output.purpose;
    Bytes info(label.begin(), label.end());
    info.insert(info.end(), transcriptHash.begin(), transcriptHash.end());
    SecretBytes derived(output.length);
    if (mbedtls_hkdf_expand(md, prk.data(), prk.size(), info.data(), info.size(), derived.data(),
                            derived.size()) != 0) {
      return std::nullopt;  // keys (SecretBytes) wipe themselves on return
    }
    keys.*output.target = std::move(derived);
  }
  return keys;
}

SecretBytes encodeTrafficKeys(const ChannelKeys& keys) {
  SecretBytes out(kTrafficKeysSize);
  size_t at = 0;
  for (size_t i = 0; i < kTrafficOutputs; ++i) {
    const SecretBytes& part = keys.*kOutputs[i].target;
    if (part.size() != kOutputs[i].length) return {};
    std::copy(part.data(), part.data() + part.size(), out.data() + at);
    at += part.size();
  }
  return out;
}

std::optional<ChannelKeys> decodeTrafficKeys(ByteView encoded) {
  if (encoded.size() != kTrafficKeysSize) return std::nullopt;
  ChannelKeys keys;
  size_t at = 0;
  for (size_t i = 0; i < kTrafficOutputs; ++i) {
    keys.*kOutputs[i].target = SecretBytes(encoded.subspan(at, kOutputs[i].length));
    at += kOutputs[i].length;
  }
  return keys;
}

}  // namespace hp::protocol::channel
