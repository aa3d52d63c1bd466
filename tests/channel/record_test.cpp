// Record layer attacks: every manipulation of the record stream fails authentication and
// closes the channel for good.
#include <doctest.h>

#include "tests/support/channel_fixture.hpp"

namespace hp::channel::test {

namespace {

Session establish(ChannelFixture& fx) {
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto session = fullHandshake(fx, client, server);
  REQUIRE(session.ok());
  return std::move(session.value());
}

Bytes sealed(RecordProtector& protector, std::string_view text) {
  auto frame = protector.seal(bytesOf(text));
  REQUIRE(frame.ok());
  return *frame;
}

// After a failure nothing works any more, in either direction.
void checkDead(RecordProtector& protector, const Bytes& validLookingFrame) {
  CHECK(protector.failed());
  CHECK_FALSE(protector.open(validLookingFrame).ok());
  auto more = protector.seal(bytesOf("more"));
  REQUIRE_FALSE(more.ok());
  CHECK(more.error().message == "channel has failed and is closed");
}

// Both protectors of a session from keys derived directly (no handshake): cheap enough to make
// a fresh, identical pair for every bit of a record. Same seed, same keys.
Session directSession(uint64_t seed) {
  auto rng = base::makeSeededRng(seed);
  const SecretBytes secret(rng->bytes(32));
  auto keys = deriveSessionKeys(secret.view(), sha256(rng->bytes(32)), HandshakeKind::kFull);
  REQUIRE(keys.ok());
  return Session{std::make_unique<RecordProtector>(*keys, Role::kClient),
                 std::make_unique<RecordProtector>(*keys, Role::kServer)};
}

}  // namespace

TEST_CASE("records in order open; sequence numbers are implicit") {
  ChannelFixture fx(201);
  Session s = establish(fx);
  const Bytes first = sealed(*s.terminal, "one");
  const Bytes second = sealed(*s.terminal, "one");
  CHECK(first != second);                                      // same plaintext, different nonce
  CHECK(first.size() == kFrameHeaderSize + 3 + kAeadTagSize);  // no sequence number on the wire
  CHECK(s.server->open(first).ok());
  CHECK(s.server->open(second).ok());
  CHECK(s.server->receivedRecords() == 2);
}

TEST_CASE("a replayed record is refused and closes the channel") {
  ChannelFixture fx(202);
  Session s = establish(fx);
  const Bytes record = sealed(*s.terminal, "unlock");
  REQUIRE(s.server->open(record).ok());
  auto replay = s.server->open(record);
  REQUIRE_FALSE(replay.ok());
  CHECK(replay.error().message == "record authentication failed; channel closed");
  checkDead(*s.server, sealed(*s.terminal, "next"));
}

TEST_CASE("reordered records are refused") {
  ChannelFixture fx(203);
  Session s = establish(fx);
  const Bytes first = sealed(*s.terminal, "first");
  const Bytes second = sealed(*s.terminal, "second");
  CHECK_FALSE(s.server->open(second).ok());
  checkDead(*s.server, first);
}

TEST_CASE("a dropped record makes the next one fail") {
  ChannelFixture fx(204);
  Session s = establish(fx);
  (void)sealed(*s.terminal, "dropped by the network");
  const Bytes next = sealed(*s.terminal, "next");
  CHECK_FALSE(s.server->open(next).ok());
  CHECK(s.server->failed());
}

TEST_CASE("a flipped bit anywhere in a record is detected") {
  MESSAGE("channel test RNG seed: 205");
  const Bytes original = sealed(*directSession(205).terminal, "set thermostat 21");
  // Every bit of header, ciphertext and tag, each against a fresh receiver with the same keys.
  for (size_t bit = 0; bit < original.size() * 8; ++bit) {
    CAPTURE(bit);
    Session s = directSession(205);
    Bytes altered = original;
    altered[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    CHECK_FALSE(s.server->open(altered).ok());
    CHECK(s.server->failed());
    // The untouched record is refused too now: the failure was final.
    CHECK_FALSE(s.server->open(original).ok());
  }
  // And the control: the untouched record opens on a fresh receiver.
  CHECK(directSession(205).server->open(original).ok());
}

TEST_CASE("a record sent back to its sender (wrong direction) is refused") {
  ChannelFixture fx(206);
  Session s = establish(fx);
  const Bytes fromTerminal = sealed(*s.terminal, "reflect me");
  auto reflected = s.terminal->open(fromTerminal);
  REQUIRE_FALSE(reflected.ok());
  CHECK(s.terminal->failed());
}

TEST_CASE("an authenticated close ends the stream; use after close is refused") {
  ChannelFixture fx(207);
  Session s = establish(fx);
  REQUIRE(s.server->open(sealed(*s.terminal, "bye")).ok());
  auto close = s.terminal->sealClose();
  REQUIRE(close.ok());
  CHECK(s.terminal->sendClosed());
  auto sendAfterClose = s.terminal->seal(bytesOf("late"));
  REQUIRE_FALSE(sendAfterClose.ok());
  CHECK(sendAfterClose.error().message == "channel is closed for sending");
  CHECK_FALSE(s.terminal->sealClose().ok());

  auto received = s.server->open(*close);
  REQUIRE(received.ok());
  CHECK(received->type == FrameType::kClose);
  CHECK(s.server->receiveClosed());
  auto afterClose = s.server->open(*close);
  REQUIRE_FALSE(afterClose.ok());
  CHECK(afterClose.error().message == "peer has closed the channel");
  // The server may still answer before closing its own direction.
  CHECK(s.terminal->open(sealed(*s.server, "ok")).ok());
}

TEST_CASE("a close record cannot be forged from a data record") {
  ChannelFixture fx(208);
  Session s = establish(fx);
  Bytes record = sealed(*s.terminal, "");
  record[0] = static_cast<uint8_t>(FrameType::kClose);  // the type is authenticated
  CHECK_FALSE(s.server->open(record).ok());
  CHECK(s.server->failed());
}

TEST_CASE("truncated, oversized and misframed records are refused") {
  MESSAGE("channel test RNG seed: 209");
  Session s = directSession(209);
  const Bytes record = sealed(*directSession(209).terminal, "hello");
  SUBCASE("truncated at every byte") {
    for (size_t keep = 0; keep < record.size(); ++keep) {
      CAPTURE(keep);
      Session fresh = directSession(209);
      auto opened = fresh.server->open(ByteView(record).first(keep));
      CHECK_FALSE(opened.ok());
      CHECK(fresh.server->failed());
    }
  }
  SUBCASE("a trailing byte") {
    Bytes longer = record;
    longer.push_back(0);
    CHECK_FALSE(s.server->open(longer).ok());
  }
  SUBCASE("a handshake frame after the handshake") {
    Bytes handshake = record;
    handshake[0] = static_cast<uint8_t>(FrameType::kHandshake);
    auto opened = s.server->open(handshake);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().message == "handshake frame after the handshake; channel closed");
  }
  SUBCASE("an unknown frame type") {
    Bytes unknown = record;
    unknown[0] = 0x42;
    CHECK_FALSE(s.server->open(unknown).ok());
  }
  SUBCASE("a header announcing more than 64 KiB") {
    Bytes header = encodeFrameHeader(FrameType::kApplicationData, kMaxFramePayload + 1);
    auto opened = s.server->open(header);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().message ==
          "frame of 65553 bytes exceeds the bound of 65552; channel closed");
  }
}

TEST_CASE("record size is bounded at 64 KiB") {
  ChannelFixture fx(210);
  Session s = establish(fx);
  const Bytes largest(kMaxRecordPlaintext, 0xA5);
  auto frame = s.terminal->seal(largest);
  REQUIRE(frame.ok());
  auto opened = s.server->open(*frame);
  REQUIRE(opened.ok());
  CHECK(opened->data == largest);
  auto tooLarge = s.terminal->seal(Bytes(kMaxRecordPlaintext + 1, 0));
  REQUIRE_FALSE(tooLarge.ok());
  CHECK(tooLarge.error().message == "record exceeds 64 KiB");
  CHECK_FALSE(s.terminal->failed());  // a caller's mistake, not an attack
}

}  // namespace hp::channel::test
