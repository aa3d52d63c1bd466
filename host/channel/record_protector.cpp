#include "host/channel/record_protector.hpp"

#include <limits>

#include "host/channel/crypto.hpp"

namespace hp::channel {

namespace {

Bytes recordNonce(const SecretBytes& iv, uint64_t sequence) {
  Bytes nonce(iv.data(), iv.data() + iv.size());
  for (int i = 0; i < 8; ++i) {
    nonce[kAeadIvSize - 1 - static_cast<size_t>(i)] ^= static_cast<uint8_t>(sequence >> (8 * i));
  }
  return nonce;
}

Bytes recordAad(Direction direction, uint64_t sequence, FrameType type, uint32_t length) {
  Bytes aad{static_cast<uint8_t>(direction)};
  for (int i = 7; i >= 0; --i) aad.push_back(static_cast<uint8_t>(sequence >> (8 * i)));
  append(aad, encodeFrameHeader(type, length));
  return aad;
}

}  // namespace

RecordProtector::RecordProtector(const SessionKeys& keys, Role role)
    : send_(role == Role::kClient ? keys.clientToServer : keys.serverToClient),
      receive_(role == Role::kClient ? keys.serverToClient : keys.clientToServer),
      sendDirection_(role == Role::kClient ? Direction::kClientToServer
                                           : Direction::kServerToClient),
      receiveDirection_(role == Role::kClient ? Direction::kServerToClient
                                              : Direction::kClientToServer) {}

void RecordProtector::wipe() {
  send_.key.clear();
  send_.iv.clear();
  receive_.key.clear();
  receive_.iv.clear();
}

Error RecordProtector::fail(const std::string& why) {
  failed_ = true;
  wipe();
  return makeError(why + "; channel closed");
}

Result<Bytes> RecordProtector::sealFrame(FrameType type, ByteView plaintext) {
  if (failed_) return makeError("channel has failed and is closed");
  if (sendClosed_) return makeError("channel is closed for sending");
  if (plaintext.size() > kMaxRecordPlaintext) return makeError("record exceeds 64 KiB");
  // The nonce must never repeat under one key: refuse rather than wrap the counter.
  if (sendSequence_ == std::numeric_limits<uint64_t>::max()) {
    return fail("send sequence number exhausted");
  }
  const auto length = static_cast<uint32_t>(plaintext.size() + kAeadTagSize);
  auto sealed = aesGcmSeal(send_.key.view(), recordNonce(send_.iv, sendSequence_),
                           recordAad(sendDirection_, sendSequence_, type, length), plaintext);
  if (!sealed) return fail(sealed.error().message);
  ++sendSequence_;
  Bytes frame = encodeFrameHeader(type, length);
  append(frame, *sealed);
  return frame;
}

Result<Bytes> RecordProtector::seal(ByteView plaintext) {
  return sealFrame(FrameType::kApplicationData, plaintext);
}

Result<Bytes> RecordProtector::sealClose() {
  auto frame = sealFrame(FrameType::kClose, {});
  if (frame) {
    sendClosed_ = true;
    send_.key.clear();
    send_.iv.clear();
  }
  return frame;
}

Result<Record> RecordProtector::open(ByteView frame) {
  if (failed_) return makeError("channel has failed and is closed");
  if (receiveClosed_) return makeError("peer has closed the channel");
  if (frame.size() < kFrameHeaderSize) return fail("record truncated");
  if (receiveSequence_ == std::numeric_limits<uint64_t>::max()) {
    return fail("receive sequence number exhausted");
  }
  auto header = parseFrameHeader(frame.first(kFrameHeaderSize));
  if (!header) return fail(header.error().message);
  if (header->type == FrameType::kHandshake) return fail("handshake frame after the handshake");
  if (frame.size() - kFrameHeaderSize != header->payloadLength) {
    return fail("record length does not match its header");
  }
  if (header->payloadLength < kAeadTagSize) return fail("record shorter than its tag");
  if (header->type == FrameType::kClose && header->payloadLength != kAeadTagSize) {
    return fail("close record carries data");
  }
  auto opened = aesGcmOpen(
      receive_.key.view(), recordNonce(receive_.iv, receiveSequence_),
      recordAad(receiveDirection_, receiveSequence_, header->type, header->payloadLength),
      frame.subspan(kFrameHeaderSize));
  // Replayed, reordered, dropped-before, altered and reflected records all land here: the
  // expected sequence number or direction differs from the sender's, so the tag does not verify.
  if (!opened) return fail(opened.error().message);
  ++receiveSequence_;
  if (header->type == FrameType::kClose) {
    receiveClosed_ = true;
    receive_.key.clear();
    receive_.iv.clear();
  }
  return Record{header->type, std::move(opened.value())};
}

}  // namespace hp::channel
