#include "key_schedule.hpp"

#include <string>

#include "protocol.hpp"

namespace hp::channel {

namespace {

Result<SecretBytes> expandLabel(const SecretBytes& prk, HandshakeKind kind,
                                std::string_view purpose, const Hash& transcriptHash,
                                size_t length) {
  std::string label = "homeproxy channel v1 ";
  label += kind == HandshakeKind::kFull ? "full " : "resumed ";
  label += purpose;
  Bytes info = bytesOf(label);
  append(info, transcriptHash);
  return hkdfExpand(prk.view(), info, length);
}

}  // namespace

Result<SessionKeys> deriveSessionKeys(ByteView secret, const Hash& transcriptHash,
                                      HandshakeKind kind) {
  if (secret.size() < 32) return makeError("key schedule input secret too short");
  const SecretBytes prk = hkdfExtract(transcriptHash, secret);
  struct Output {
    SecretBytes* target;
    std::string_view purpose;
    size_t length;
  };
  SessionKeys keys;
  const Output outputs[] = {
      {&keys.clientToServer.key, "c2s key", kAeadKeySize},
      {&keys.clientToServer.iv, "c2s iv", kAeadIvSize},
      {&keys.serverToClient.key, "s2c key", kAeadKeySize},
      {&keys.serverToClient.iv, "s2c iv", kAeadIvSize},
      {&keys.clientFinishedKey, "c finished", kMacSize},
      {&keys.serverFinishedKey, "s finished", kMacSize},
      {&keys.resumptionSecret, "resumption", 32},
  };
  for (const Output& output : outputs) {
    auto derived = expandLabel(prk, kind, output.purpose, transcriptHash, output.length);
    if (!derived) return derived.error();  // keys (SecretBytes) wipe themselves on return
    *output.target = std::move(derived.value());
  }
  return keys;
}

void Transcript::add(ByteView message) {
  appendU16(buffer_, static_cast<uint16_t>(message.size()));
  append(buffer_, message);
}

}  // namespace hp::channel
