// Full handshake between the two state machines in memory, and every refusal of it.
#include <doctest.h>

#include "host/channel/messages.hpp"
#include "protocol/channel/server_hello_statement.hpp"
#include "tests/support/channel_fixture.hpp"

namespace hp::channel::test {

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("full handshake establishes a channel that carries data both ways") {
  ChannelFixture fx(101);
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto session = fullHandshake(fx, client, server);
  if (!session.ok()) FAIL(session.error().message);
  CHECK(server.terminalId() == "laptop-1");
  CHECK_FALSE(client.resumed());
  CHECK_FALSE(server.resumed());
  CHECK(fx.agent->hasTicket());  // the ticket stays inside the agent (the card)
  CHECK(fx.tickets.size() == 1);

  auto up = session->terminal->seal(bytesOf("open the garage"));
  REQUIRE(up.ok());
  auto atServer = session->server->open(*up);
  REQUIRE(atServer.ok());
  CHECK(atServer->data == bytesOf("open the garage"));

  auto down = session->server->seal(bytesOf("done"));
  REQUIRE(down.ok());
  auto atTerminal = session->terminal->open(*down);
  REQUIRE(atTerminal.ok());
  CHECK(atTerminal->data == bytesOf("done"));
  // The plaintext is not visible on the wire.
  CHECK(std::search(up->begin(), up->end(), atServer->data.begin(), atServer->data.end()) ==
        up->end());
}

TEST_CASE("state changes are logged as old -> new and logs hold no secrets") {
  ChannelFixture fx(102);
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  REQUIRE(fullHandshake(fx, client, server).ok());
  const auto has = [&](const std::string& line) {
    return std::find(fx.logLines.begin(), fx.logLines.end(), line) != fx.logLines.end();
  };
  CHECK(has("client handshake: Idle -> WaitServerHello"));
  CHECK(has("client handshake: WaitServerFinished -> Established"));
  CHECK(has("server handshake: WaitHello -> WaitClientFinished"));
  CHECK(has("server handshake: WaitClientFinished -> Established"));
  auto offer = fx.agent->prepareResume();
  REQUIRE((offer.ok() && offer->has_value()));
  ServerTicket ticket;
  REQUIRE(fx.tickets.take((*offer)->ticketId, fx.clock.nowMs(), ticket) == TicketLookup::kFound);
  const std::string secretHex = toHex(ticket.resumptionSecret.view());
  for (const std::string& line : fx.logLines) CHECK_FALSE(contains(line, secretHex));
}

// Issue 8 item 6: unknown, revoked and wrongly signing terminals all get one alert, code and
// text, so a prober cannot tell registered IDs from others; the server's log has the reason.
TEST_CASE("an unknown terminal is refused with the same alert as a bad signature") {
  ChannelFixture fx(103);
  SoftwareTerminalRegistry empty;
  auto client = fx.makeClient();
  ServerConfig config = fx.serverConfig();
  config.registry = &empty;
  ServerHandshake server(config);
  auto session = fullHandshake(fx, client, server);
  REQUIRE_FALSE(session.ok());
  CHECK(session.error().message == "terminal not authenticated");
  CHECK(server.state() == ServerHandshake::State::kFailed);
  CHECK(client.state() == ClientHandshake::State::kFailed);
  CHECK(client.refusal() == AlertCode::kTerminalRefused);
  const auto logged = [&](const std::string& part) {
    return std::any_of(fx.logLines.begin(), fx.logLines.end(),
                       [&](const std::string& line) { return contains(line, part); });
  };
  CHECK(logged("terminal 'laptop-1' is not registered"));
}

TEST_CASE("a revoked terminal is refused") {
  ChannelFixture fx(104);
  fx.registry.revoke("laptop-1");
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto session = fullHandshake(fx, client, server);
  REQUIRE_FALSE(session.ok());
  CHECK(session.error().message == "terminal not authenticated");
  CHECK(client.refusal() == AlertCode::kTerminalRefused);
  CHECK(fx.replayCache.size() == 0);
}

TEST_CASE("a share whose signature does not verify is refused") {
  ChannelFixture fx(105);
  SignedShare share = fx.prepareShare();
  SUBCASE("signed by another key") {
    auto other = base::EcKeyPair::generate(*fx.rng);
    REQUIRE(other.ok());
    fx.registry.add("laptop-1", (*other)->publicPoint());
  }
  SUBCASE("expiry extended after signing") {
    share.expiresAtMs += 1;
  }
  SUBCASE("ephemeral point swapped after signing") {
    auto other = base::EcKeyPair::generate(*fx.rng);
    REQUIRE(other.ok());
    share.ephemeralPoint = (*other)->publicPoint();
  }
  SUBCASE("signature byte flipped") {
    share.signature.back() ^= 0x01;
  }
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startFull(share);
  REQUIRE(hello.ok());
  auto run = pump(client, server, *hello);
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message == "terminal not authenticated");
  CHECK(client.refusal() == AlertCode::kTerminalRefused);
  const auto logged = [&](const std::string& part) {
    return std::any_of(fx.logLines.begin(), fx.logLines.end(),
                       [&](const std::string& line) { return contains(line, part); });
  };
  CHECK(logged("signature of terminal 'laptop-1' does not verify"));
  CHECK(fx.replayCache.size() == 0);  // nothing unauthenticated is remembered
}

TEST_CASE("share validity window is enforced by the server") {
  ChannelFixture fx(106);
  base::ManualClock serverClock;
  ServerConfig config = fx.serverConfig();
  config.clock = &serverClock;
  auto client = fx.makeClient();
  SignedShare share = fx.prepareShare();
  auto hello = client.startFull(share);
  REQUIRE(hello.ok());

  SUBCASE("expired") {
    serverClock.advanceMs(kShareLifetimeMs);
    ServerHandshake server(config);
    auto run = pump(client, server, *hello);
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().message == "key share has expired");
    CHECK(client.refusal() == AlertCode::kShareExpired);
  }
  SUBCASE("one millisecond before expiry is still fine") {
    serverClock.advanceMs(kShareLifetimeMs - 1);
    ServerHandshake server(config);
    CHECK(pump(client, server, *hello).ok());
  }
  SUBCASE("dated further in the future than the clock skew allows") {
    fx.clock.advanceMs(config.maxClockSkewMs + 1);
    SignedShare future = fx.prepareShare();
    ClientHandshake other = fx.makeClient();
    auto futureHello = other.startFull(future);
    REQUIRE(futureHello.ok());
    ServerHandshake server(config);
    auto run = pump(other, server, *futureHello);
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().message == "key share is dated in the future");
  }
}

TEST_CASE("a share valid for longer than the server allows is refused") {
  ChannelFixture fx(107);
  auto key = base::EcKeyPair::generate(*fx.rng);
  REQUIRE(key.ok());
  SoftwareTerminalKeyAgent longLived("tablet", std::move(key.value()), fx.signer->publicKey(),
                                     *fx.rng, 48ull * 3600 * 1000);
  fx.registry.add("tablet", longLived.publicKey());
  auto share = longLived.prepareShare(fx.clock.nowMs());
  REQUIRE(share.ok());
  ClientHandshake client(fx.clientConfig(), longLived);
  auto server = fx.makeServer();
  auto hello = client.startFull(*share);
  REQUIRE(hello.ok());
  auto run = pump(client, server, *hello);
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message == "key share validity window is too long");
}

TEST_CASE("the terminal refuses to send a share that has expired by its own clock") {
  ChannelFixture fx(108);
  SignedShare share = fx.prepareShare();
  fx.clock.advanceMs(kShareLifetimeMs);
  auto client = fx.makeClient();
  auto hello = client.startFull(share);
  REQUIRE_FALSE(hello.ok());
  CHECK(hello.error().message == "prepared key share has expired; prepare a fresh one");
  CHECK(client.state() == ClientHandshake::State::kIdle);
}

TEST_CASE("a replayed share is refused by the replay cache") {
  ChannelFixture fx(109);
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startFull(fx.prepareShare());
  REQUIRE(hello.ok());
  REQUIRE(pump(client, server, *hello).ok());

  ServerHandshake second = fx.makeServer();
  auto replayed = second.onMessage(*hello);
  REQUIRE_FALSE(replayed.ok());
  CHECK(replayed.error().message == "key share was already used");
  REQUIRE(second.alertMessage().has_value());
  auto alert = parseAlert(*second.alertMessage());
  REQUIRE(alert.ok());
  CHECK(alert->code == AlertCode::kShareReplayed);

  SUBCASE("after expiry the share is refused as expired and leaves the cache") {
    fx.clock.advanceMs(kShareLifetimeMs);
    ServerHandshake third = fx.makeServer();
    auto late = third.onMessage(*hello);
    REQUIRE_FALSE(late.ok());
    CHECK(late.error().message == "key share has expired");
    // Expired entries are purged when the next share is remembered.
    CHECK(fx.replayCache.size() == 1);
    auto next = fx.makeClient();
    auto server3 = fx.makeServer();
    REQUIRE(fullHandshake(fx, next, server3).ok());
    CHECK(fx.replayCache.size() == 1);
  }
}

TEST_CASE("without the replay cache a replayed hello still cannot finish the handshake") {
  // The soundness argument of docs/control-channel.md: the server's fresh ephemeral makes the
  // keys depend on the terminal's ephemeral private key, which stays on the card.
  ChannelFixture fx(110);
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startFull(fx.prepareShare());
  REQUIRE(hello.ok());
  REQUIRE(pump(client, server, *hello).ok());

  ShareReplayCache forgetful(64);
  ServerConfig config = fx.serverConfig();
  config.replayCache = &forgetful;
  ServerHandshake victim(config);
  auto flight = victim.onMessage(*hello);
  REQUIRE(flight.ok());  // the attacker gets a ServerHello ...
  // ... but only a guess at the Finished MAC, and the server refuses it.
  auto guess = victim.onMessage(encode(Finished{fx.rng->bytes(kMacSize)}));
  REQUIRE_FALSE(guess.ok());
  CHECK(guess.error().message == "terminal Finished MAC is wrong (key confirmation failed)");
  CHECK(fx.tickets.size() == 1);  // only the genuine handshake's ticket
}

TEST_CASE("a full replay cache refuses new shares instead of forgetting live ones") {
  ChannelFixture fx(111);
  ShareReplayCache tiny(1);
  ServerConfig config = fx.serverConfig();
  config.replayCache = &tiny;
  {
    auto client = fx.makeClient();
    ServerHandshake server(config);
    REQUIRE(fullHandshake(fx, client, server).ok());
  }
  auto client = fx.makeClient();
  ServerHandshake server(config);
  auto busy = fullHandshake(fx, client, server);
  REQUIRE_FALSE(busy.ok());
  CHECK(busy.error().message == "too many live key shares; try again later");
  fx.clock.advanceMs(kShareLifetimeMs);  // the first share expires and is purged
  auto later = fx.makeClient();
  ServerHandshake again(config);
  CHECK(fullHandshake(fx, later, again).ok());
}

TEST_CASE("the terminal refuses a server that does not hold the home server key") {
  ChannelFixture fx(112);
  auto impostorKey = base::EcKeyPair::generate(*fx.rng);
  REQUIRE(impostorKey.ok());
  // The agent (the access card) holds another key than the one the server signs with.
  fx.agent->setHomeServerKey((*impostorKey)->publicPoint());
  ClientHandshake client(fx.clientConfig(), *fx.agent);
  auto server = fx.makeServer();
  auto session = fullHandshake(fx, client, server);
  REQUIRE_FALSE(session.ok());
  CHECK(session.error().message ==
        "server signature does not verify with the home server key we hold");
  CHECK(client.state() == ClientHandshake::State::kFailed);
}

TEST_CASE("an altered ServerHello fails the server signature check") {
  ChannelFixture fx(113);
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startFull(fx.prepareShare());
  REQUIRE(hello.ok());
  auto flight = server.onMessage(*hello);
  REQUIRE(flight.ok());
  REQUIRE(flight->size() == 2);
  Bytes serverHello = (*flight)[0];
  serverHello[10] ^= 0x01;  // inside the server's ephemeral point
  auto result = client.onMessage(serverHello);
  REQUIRE_FALSE(result.ok());
  CHECK(client.state() == ClientHandshake::State::kFailed);
}

TEST_CASE("Finished MACs are checked on both sides") {
  ChannelFixture fx(114);
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startFull(fx.prepareShare());
  REQUIRE(hello.ok());
  auto flight = server.onMessage(*hello);
  REQUIRE(flight.ok());
  REQUIRE(client.onMessage((*flight)[0]).ok());

  SUBCASE("server Finished altered") {
    Bytes finished = (*flight)[1];
    finished.back() ^= 0x80;
    auto result = client.onMessage(finished);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message == "server Finished MAC is wrong (key confirmation failed)");
  }
  SUBCASE("terminal Finished altered: no ticket is kept") {
    auto reply = client.onMessage((*flight)[1]);
    REQUIRE(reply.ok());
    REQUIRE(reply->size() == 1);
    Bytes finished = (*reply)[0];
    finished[5] ^= 0x01;
    auto result = server.onMessage(finished);
    REQUIRE_FALSE(result.ok());
    CHECK(server.state() == ServerHandshake::State::kFailed);
    CHECK(fx.tickets.size() == 0);
    CHECK_FALSE(server.takeRecordProtector().ok());
  }
}

TEST_CASE("every call is refused in the wrong state") {
  ChannelFixture fx(115);
  auto client = fx.makeClient();
  CHECK_FALSE(client.onMessage(Bytes{2, 0, 1}).ok());  // nothing started
  CHECK(client.state() == ClientHandshake::State::kIdle);
  CHECK_FALSE(client.takeRecordProtector().ok());
  auto hello = client.startFull(fx.prepareShare());
  REQUIRE(hello.ok());
  CHECK_FALSE(client.startFull(fx.prepareShare()).ok());

  auto server = fx.makeServer();
  auto early = server.onMessage(encode(Finished{Bytes(kMacSize, 0)}));
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().message == "unexpected handshake message in state WaitHello");
  CHECK_FALSE(server.onMessage(*hello).ok());  // failed for good
  CHECK(server.state() == ServerHandshake::State::kFailed);
}

TEST_CASE("an unknown protocol version is refused clearly") {
  ChannelFixture fx(116);
  auto client = fx.makeClient();
  auto hello = client.startFull(fx.prepareShare());
  REQUIRE(hello.ok());
  Bytes future = *hello;
  future[2] = 1;  // version 1: its tickets left the card (issue 8), so it is refused
  auto server = fx.makeServer();
  auto result = server.onMessage(future);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message == "unsupported protocol version 1 (we speak 2)");
  auto alert = parseAlert(*server.alertMessage());
  REQUIRE(alert.ok());
  CHECK(alert->code == AlertCode::kBadVersion);
  // The terminal refuses an unknown version from the server the same way.
  Bytes serverReply = encode(Alert{AlertCode::kInternal, "x"});
  serverReply[1] = 0x7F;
  auto atClient = client.onMessage(serverReply);
  REQUIRE_FALSE(atClient.ok());
  CHECK(atClient.error().message == "unsupported protocol version 32514 (we speak 2)");
}

namespace {
// What a server signs for one share: its point, the share's point and a transcript hash.
SignedServerShare serverShare(const Bytes& point, const Hash& transcriptHash,
                              const Bytes& signature, const Bytes& ticketId) {
  SignedServerShare share;
  share.ephemeralPoint = point;
  share.transcriptHash = transcriptHash;
  share.signature = signature;
  share.keyScheduleHash = sha256(bytesOf("key schedule transcript"));
  share.ticketId = ticketId;
  share.ticketLifetimeMs = 60'000;
  return share;
}
}  // namespace

TEST_CASE("each prepared share is single use on the card side") {
  ChannelFixture fx(117);
  auto first = fx.agent->prepareShare(fx.clock.nowMs());
  REQUIRE(first.ok());
  auto serverKey = base::EcKeyPair::generate(*fx.rng);
  REQUIRE(serverKey.ok());
  const Bytes point = (*serverKey)->publicPoint();
  const Hash transcriptHash = sha256(bytesOf("a transcript"));
  const Bytes ticketId(kTicketIdSize, 7);
  SoftwareServerSigner& signer = *fx.signer;
  const Bytes signature = signer
                              .sign(protocol::channel::serverHelloSignedHash(
                                  point, first->ephemeralPoint, transcriptHash))
                              .value();
  auto keys = fx.agent->agree(serverShare(point, transcriptHash, signature, ticketId));
  REQUIRE(keys.ok());
  CHECK(keys->resumptionSecret.empty());  // it stays in the agent, as on the card
  CHECK(fx.agent->hasTicket());
  auto again = fx.agent->agree(serverShare(point, transcriptHash, signature, ticketId));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().message == "no prepared key share (prepare one first)");
}

TEST_CASE("the agent checks the server's signature before it agrees, and uses the share up") {
  ChannelFixture fx(118);
  auto serverKey = base::EcKeyPair::generate(*fx.rng);
  REQUIRE(serverKey.ok());
  const Bytes point = (*serverKey)->publicPoint();
  const Hash transcriptHash = sha256(bytesOf("a transcript"));
  const Bytes ticketId(kTicketIdSize, 7);
  const auto signFor = [&](const SignedShare& share) {
    return fx.signer
        ->sign(
            protocol::channel::serverHelloSignedHash(point, share.ephemeralPoint, transcriptHash))
        .value();
  };
  // The signature covers both points and the transcript hash: change any and it fails.
  Hash otherHash = transcriptHash;
  otherHash[0] ^= 1;
  auto otherPoint = base::EcKeyPair::generate(*fx.rng);
  REQUIRE(otherPoint.ok());
  auto share = fx.agent->prepareShare(fx.clock.nowMs());
  REQUIRE(share.ok());
  Bytes signature = signFor(*share);
  auto wrongHash = fx.agent->agree(serverShare(point, otherHash, signature, ticketId));
  REQUIRE_FALSE(wrongHash.ok());
  CHECK(wrongHash.error().message == kBadServerSignature);
  // ... and the failed attempt used the share up, as on the card.
  CHECK(fx.agent->agree(serverShare(point, transcriptHash, signature, ticketId)).error().message ==
        "no prepared key share (prepare one first)");
  share = fx.agent->prepareShare(fx.clock.nowMs());
  REQUIRE(share.ok());
  signature = signFor(*share);
  const Bytes swapped = (*otherPoint)->publicPoint();
  CHECK(
      fx.agent->agree(serverShare(swapped, transcriptHash, signature, ticketId)).error().message ==
      kBadServerSignature);
  // Issue 8 item 5: a signature made for another share (the previous one) does not verify.
  share = fx.agent->prepareShare(fx.clock.nowMs());
  REQUIRE(share.ok());
  CHECK(fx.agent->agree(serverShare(point, transcriptHash, signature, ticketId)).error().message ==
        kBadServerSignature);
  share = fx.agent->prepareShare(fx.clock.nowMs());
  REQUIRE(share.ok());
  CHECK(fx.agent->agree(serverShare(point, transcriptHash, signFor(*share), ticketId)).ok());
}

}  // namespace hp::channel::test
