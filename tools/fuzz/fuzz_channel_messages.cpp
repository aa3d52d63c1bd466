// libFuzzer target: the control channel's handshake message parsers (host/channel/messages.cpp),
// and the frame header parser. (The terminal keeps no ticket since protocol v2: the access card
// holds it, so there is no host-side ticket decoder left to fuzz.)
//
// Every parser gets every input. Beyond "no crash" (ASan/UBSan) it checks the property the
// transcript hash relies on: each accepted message has exactly one encoding, so encoding what a
// parser accepted gives back the input byte for byte (an Alert's text excepted: its unprintable
// bytes become '?'); peekMessageType agrees with the parser that accepts. The same holds for the
// frame header.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "host/channel/frame.hpp"
#include "host/channel/messages.hpp"
#include "tools/fuzz/fuzz_check.hpp"

namespace {

using hp::base::Bytes;
using hp::base::ByteView;
namespace ch = hp::channel;

bool sameBytes(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// Parses with `parse`; if accepted, the encoding of the result must be the input and the type
// peekMessageType saw must be `type`.
template <typename Parse>
void checkParser(ByteView raw, Parse parse, ch::MessageType type) {
  auto parsed = parse(raw);
  if (!parsed) return;
  const Bytes encoded = ch::encode(parsed.value());
  if (type == ch::MessageType::kAlert) {
    // By design parseAlert replaces bytes outside printable ASCII in the peer's text by '?'
    // (it gets logged): the same length, and a fixed point after one round.
    FUZZ_CHECK(encoded.size() == raw.size());
    FUZZ_CHECK(sameBytes(ch::encode(ch::parseAlert(encoded).value()), encoded));
  } else {
    FUZZ_CHECK(sameBytes(encoded, raw));
  }
  auto peeked = ch::peekMessageType(raw);
  FUZZ_CHECK(peeked.ok() && peeked.value() == type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView raw(data, size);
  (void)ch::hasForeignVersion(raw);
  (void)ch::peekMessageType(raw);
  checkParser(raw, ch::parseClientHello, ch::MessageType::kClientHello);
  checkParser(raw, ch::parseServerHello, ch::MessageType::kServerHello);
  checkParser(raw, ch::parseFinished, ch::MessageType::kFinished);
  checkParser(raw, ch::parseResumeHello, ch::MessageType::kResumeHello);
  checkParser(raw, ch::parseResumeAccept, ch::MessageType::kResumeAccept);
  checkParser(raw, ch::parseAlert, ch::MessageType::kAlert);

  if (size >= ch::kFrameHeaderSize) {
    auto header = ch::parseFrameHeader(raw.first(ch::kFrameHeaderSize));
    if (header) {
      FUZZ_CHECK(header->payloadLength <= ch::kMaxFramePayload);
      FUZZ_CHECK(sameBytes(ch::encodeFrameHeader(header->type, header->payloadLength),
                           raw.first(ch::kFrameHeaderSize)));
    }
  }
  return 0;
}
