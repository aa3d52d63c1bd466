// Bounded parsing: every handshake message truncated at every byte, extended, or replaced by
// random bytes is refused with an error, never a crash.
#include <doctest.h>

#include "host/channel/frame.hpp"
#include "host/channel/messages.hpp"
#include "tests/support/channel_fixture.hpp"

namespace hp::channel::test {

namespace {

// One valid instance of every message, from a real handshake (full and resumed).
std::vector<std::pair<std::string, Bytes>> sampleMessages(ChannelFixture& fx) {
  std::vector<std::pair<std::string, Bytes>> samples;
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startFull(fx.prepareShare());
  REQUIRE(hello.ok());
  samples.emplace_back("ClientHello", *hello);
  auto flight = server.onMessage(*hello);
  REQUIRE(flight.ok());
  samples.emplace_back("ServerHello", (*flight)[0]);
  samples.emplace_back("Finished", (*flight)[1]);
  samples.emplace_back(
      "ResumeHello",
      encode(ResumeHello{Bytes(kTicketIdSize, 7), Bytes(kPointSize, 4), Bytes(kNonceSize, 9)}));
  samples.emplace_back("ResumeAccept",
                       encode(ResumeAccept{Bytes(kPointSize, 4), Bytes(kNonceSize, 3),
                                           Bytes(kTicketIdSize, 5), 3600000}));
  samples.emplace_back("Alert", encode(Alert{AlertCode::kBusy, "busy"}));
  return samples;
}

// Runs the right parser for a message's (intended) type.
bool parses(const std::string& name, ByteView message) {
  if (name == "ClientHello") return parseClientHello(message).ok();
  if (name == "ServerHello") return parseServerHello(message).ok();
  if (name == "Finished") return parseFinished(message).ok();
  if (name == "ResumeHello") return parseResumeHello(message).ok();
  if (name == "ResumeAccept") return parseResumeAccept(message).ok();
  return parseAlert(message).ok();
}

}  // namespace

TEST_CASE("every message truncated at every byte, or with a byte added, is refused") {
  ChannelFixture fx(401);
  for (const auto& sample : sampleMessages(fx)) {
    const std::string& name = sample.first;
    const Bytes& message = sample.second;
    CAPTURE(name);
    CHECK(parses(name, message));
    for (size_t keep = 0; keep < message.size(); ++keep) {
      CAPTURE(keep);
      CHECK_FALSE(parses(name, ByteView(message).first(keep)));
    }
    Bytes longer = message;
    longer.push_back(0);
    CHECK_FALSE(parses(name, longer));
  }
}

TEST_CASE("truncated messages fed to the state machines fail them cleanly") {
  ChannelFixture fx(402);
  const auto samples = sampleMessages(fx);
  const Bytes& clientHello = samples[0].second;
  for (size_t keep = 0; keep < clientHello.size(); ++keep) {
    CAPTURE(keep);
    auto server = fx.makeServer();
    auto result = server.onMessage(ByteView(clientHello).first(keep));
    CHECK_FALSE(result.ok());
    CHECK(server.state() == ServerHandshake::State::kFailed);
    REQUIRE(server.alertMessage().has_value());
    CHECK(parseAlert(*server.alertMessage()).ok());
  }
  // The terminal side, for the server's messages. A truncated ServerHello fails before any
  // card operation, so one share and one server flight serve every truncation.
  {
    const SignedShare share = fx.prepareShare();
    const Bytes& serverHello = samples[1].second;
    for (size_t keep = 0; keep < serverHello.size(); ++keep) {
      CAPTURE(keep);
      auto client = fx.makeClient();
      REQUIRE(client.startFull(share).ok());
      CHECK_FALSE(client.onMessage(ByteView(serverHello).first(keep)).ok());
      CHECK(client.state() == ClientHandshake::State::kFailed);
    }
  }
  for (size_t keep = 0; keep < samples[2].second.size(); ++keep) {
    CAPTURE(keep);
    auto client = fx.makeClient();
    auto server = fx.makeServer();
    auto hello = client.startFull(fx.prepareShare());
    REQUIRE(hello.ok());
    auto flight = server.onMessage(*hello);
    REQUIRE(flight.ok());
    REQUIRE(client.onMessage((*flight)[0]).ok());
    CHECK_FALSE(client.onMessage(ByteView((*flight)[1]).first(keep)).ok());
    CHECK(client.state() == ClientHandshake::State::kFailed);
  }
}

TEST_CASE("field bounds are enforced") {
  ChannelFixture fx(403);
  const Bytes hello = sampleMessages(fx)[0].second;
  SUBCASE("terminal ID length zero") {
    Bytes bad = hello;
    bad[3] = 0;
    CHECK_FALSE(parseClientHello(bad).ok());
  }
  SUBCASE("terminal ID longer than 64") {
    ClientHello message;
    message.share.terminalId = std::string(65, 'a');
    message.share.ephemeralPoint = Bytes(kPointSize, 4);
    message.share.signature = Bytes(70, 1);
    message.clientNonce = Bytes(kNonceSize, 0);
    auto parsed = parseClientHello(encode(message));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message == "malformed ClientHello message");
  }
  SUBCASE("terminal ID with characters that could forge log lines") {
    ClientHello message;
    message.share.terminalId = "evil\nserver handshake: ok";
    message.share.ephemeralPoint = Bytes(kPointSize, 4);
    message.share.signature = Bytes(70, 1);
    message.clientNonce = Bytes(kNonceSize, 0);
    auto parsed = parseClientHello(encode(message));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message == "invalid terminal ID");
  }
  SUBCASE("signature length over the bound") {
    auto parsed = parseClientHello(hello);
    REQUIRE(parsed.ok());
    ClientHello message = *parsed;
    message.share.signature = Bytes(kMaxSignatureSize + 1, 1);
    CHECK_FALSE(parseClientHello(encode(message)).ok());
  }
  SUBCASE("unknown message type") {
    auto type = peekMessageType(Bytes{9, 0, 2});
    REQUIRE_FALSE(type.ok());
    CHECK(type.error().message == "unknown handshake message type 9");
  }
  SUBCASE("a message longer than the handshake bound") {
    CHECK_FALSE(peekMessageType(Bytes(kMaxHandshakeMessageSize + 1, 1)).ok());
  }
  SUBCASE("unknown alert code") {
    Bytes alert = encode(Alert{AlertCode::kBusy, ""});
    alert[3] = 99;
    CHECK_FALSE(parseAlert(alert).ok());
  }
  SUBCASE("alert text is made printable") {
    auto alert = parseAlert(encode(Alert{AlertCode::kBusy, "a\nb\x01"}));
    REQUIRE(alert.ok());
    CHECK(alert->text == "a?b?");
  }
  SUBCASE("a message of the wrong type where another is expected") {
    auto parsed = parseServerHello(hello);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message == "expected ServerHello, got ClientHello");
  }
  SUBCASE("an off-curve ephemeral point, even correctly signed, is refused, not used") {
    auto key = base::EcKeyPair::generate(*fx.rng);
    REQUIRE(key.ok());
    fx.registry.add("laptop-2", (*key)->publicPoint());
    SignedShare share = fx.prepareShare();
    share.terminalId = "laptop-2";
    share.ephemeralPoint[64] ^= 1;  // no longer on the curve
    auto signature = (*key)->signHash(shareStatementHash(share), *fx.rng);
    REQUIRE(signature.ok());
    share.signature = *signature;
    auto server = fx.makeServer();
    auto result = server.onMessage(encode(ClientHello{share, Bytes(kNonceSize, 1)}));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message == "terminal key share is not a P-256 point");
  }
}

TEST_CASE("random bytes never crash the parsers or the state machines") {
  ChannelFixture fx(404);
  const auto samples = sampleMessages(fx);
  for (int round = 0; round < 2000; ++round) {
    // Half pure noise, half a valid message with a few random bytes changed.
    Bytes input;
    const Bytes dice = fx.rng->bytes(4);
    if (dice[0] & 1) {
      input = fx.rng->bytes(dice[1] % 200);
    } else {
      input = samples[dice[1] % samples.size()].second;
      if (!input.empty()) input[dice[2] % input.size()] = dice[3];
      if (input.size() > 3) input[3 + dice[3] % (input.size() - 3)] ^= dice[2];
    }
    for (const auto& [name, unused] : samples) (void)parses(name, input);
    (void)parseFrameHeader(ByteView(input).first(std::min<size_t>(input.size(), kFrameHeaderSize)));
    auto server = fx.makeServer();
    auto result = server.onMessage(input);
    if (!result) CHECK(server.state() != ServerHandshake::State::kEstablished);
  }
}

}  // namespace hp::channel::test
