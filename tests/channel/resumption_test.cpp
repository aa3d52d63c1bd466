// Keeping the channel key (the seed's "previously hold"): resumption as PSK + ECDHE, with the
// ticket inside the terminal's agent (the access card), single use and rotated every time.
#include <doctest.h>

#include "host/channel/messages.hpp"
#include "tests/support/channel_fixture.hpp"

namespace hp::channel::test {

namespace {

// A full handshake: the agent keeps the ticket it issued.
void firstConnection(ChannelFixture& fx, Session* sessionOut = nullptr) {
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto session = fullHandshake(fx, client, server);
  REQUIRE(session.ok());
  REQUIRE(fx.agent->hasTicket());
  if (sessionOut != nullptr) *sessionOut = std::move(session.value());
}

Result<Session> resume(ChannelFixture& fx) {
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startResume();
  if (!hello) return hello.error();
  if (auto run = pump(client, server, *hello); !run) return run.error();
  if (!client.resumed() || !server.resumed()) return makeError("not resumed");
  return takeSession(client, server);
}

Bytes offeredTicketId(const Bytes& resumeHello) {
  auto hello = parseResumeHello(resumeHello);
  REQUIRE(hello.ok());
  return hello->ticketId;
}

}  // namespace

TEST_CASE("a resumed connection carries data and rotates the ticket") {
  ChannelFixture fx(301);
  firstConnection(fx);
  REQUIRE(fx.tickets.size() == 1);
  fx.clock.advanceMinutes(60);

  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startResume();
  REQUIRE(hello.ok());
  const Bytes firstId = offeredTicketId(*hello);
  auto run = pump(client, server, *hello);
  if (!run.ok()) FAIL(run.error().message);
  CHECK(client.resumed());
  CHECK(server.resumed());
  CHECK(server.terminalId() == "laptop-1");
  auto session = takeSession(client, server);
  REQUIRE(session.ok());
  auto frame = session->terminal->seal(bytesOf("lights off"));
  REQUIRE(frame.ok());
  auto opened = session->server->open(*frame);
  REQUIRE(opened.ok());
  CHECK(opened->data == bytesOf("lights off"));
  // Single use: the server used the ticket up and stored the next; the agent holds that one.
  CHECK(fx.tickets.size() == 1);
  CHECK_FALSE(fx.tickets.contains(firstId));
  auto next = fx.makeClient();
  auto hello2 = next.startResume();
  REQUIRE(hello2.ok());
  CHECK(offeredTicketId(*hello2) != firstId);
  CHECK(fx.tickets.contains(offeredTicketId(*hello2)));
}

TEST_CASE("resumed keys differ from the original and from each other") {
  ChannelFixture fx(302);
  Session original;
  firstConnection(fx, &original);
  auto first = resume(fx);
  auto second = resume(fx);
  REQUIRE((first.ok() && second.ok()));
  const Bytes message = bytesOf("same plaintext, same sequence number");
  auto a = original.terminal->seal(message);
  auto b = first->terminal->seal(message);
  auto c = second->terminal->seal(message);
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(*a != *b);
  CHECK(*b != *c);
  CHECK(*a != *c);
  // And no session opens another's record.
  CHECK_FALSE(first->server->open(*a).ok());
  CHECK_FALSE(second->server->open(*b).ok());
  CHECK(original.server->open(*a).ok());
}

TEST_CASE("a replayed ResumeHello finds its ticket used up") {
  ChannelFixture fx(303);
  firstConnection(fx);
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startResume();
  REQUIRE(hello.ok());
  REQUIRE(pump(client, server, *hello).ok());
  auto replayServer = fx.makeServer();
  auto replay = replayServer.onMessage(*hello);
  REQUIRE_FALSE(replay.ok());
  CHECK(replay.error().message == "unknown resumption ticket");
}

TEST_CASE("a new full handshake kills the terminal's older tickets") {
  ChannelFixture fx(304);
  firstConnection(fx);
  auto offer = fx.makeClient().startResume();
  REQUIRE(offer.ok());
  const Bytes oldId = offeredTicketId(*offer);
  firstConnection(fx);  // a fresh full handshake
  CHECK_FALSE(fx.tickets.contains(oldId));
  CHECK(fx.tickets.size() == 1);
}

TEST_CASE("an expired ticket is refused and the terminal falls back to a full handshake") {
  ChannelFixture fx(305);
  firstConnection(fx);
  // The server's clock is ahead of the terminal's card (which dates tickets on its own).
  base::ManualClock serverClock = fx.clock;
  serverClock.advanceMs(12ull * 3600 * 1000);
  ServerConfig config = fx.serverConfig();
  config.clock = &serverClock;
  auto client = fx.makeClient();
  ServerHandshake server(config);
  auto hello = client.startResume();
  REQUIRE(hello.ok());
  auto refused = pump(client, server, *hello);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "resumption ticket has expired");
  CHECK(client.state() == ClientHandshake::State::kResumeRefused);
  CHECK(client.refusal() == AlertCode::kTicketExpired);
  CHECK(server.state() == ServerHandshake::State::kWaitHello);
  CHECK(fx.tickets.size() == 0);  // erased on sight

  // Fall back on the same machines (same connection) with a freshly prepared share.
  auto share = fx.agent->prepareShare(serverClock.nowMs());
  REQUIRE(share.ok());
  auto full = client.startFull(*share);
  REQUIRE(full.ok());
  REQUIRE(pump(client, server, *full).ok());
  CHECK_FALSE(server.resumed());
  CHECK(fx.agent->hasTicket());
}

TEST_CASE("the agent does not even offer a ticket that has expired by its clock") {
  ChannelFixture fx(306);
  firstConnection(fx);
  fx.clock.advanceMs(12ull * 3600 * 1000);
  auto client = fx.makeClient();
  auto hello = client.startResume();
  REQUIRE_FALSE(hello.ok());
  CHECK(hello.error().message == "no resumption ticket; do a full handshake");
  CHECK(client.state() == ClientHandshake::State::kIdle);
  CHECK_FALSE(fx.agent->hasTicket());
}

TEST_CASE("a locked agent holds no ticket") {
  ChannelFixture fx(307);
  firstConnection(fx);
  fx.agent->lock();
  CHECK_FALSE(fx.agent->hasTicket());
  auto hello = fx.makeClient().startResume();
  REQUIRE_FALSE(hello.ok());
}

TEST_CASE("an unknown ticket is refused") {
  ChannelFixture fx(308);
  firstConnection(fx);
  ServerTicketStore afterRestart(16);
  ServerConfig config = fx.serverConfig();
  config.tickets = &afterRestart;  // issued before the server restarted
  auto client = fx.makeClient();
  ServerHandshake server(config);
  auto hello = client.startResume();
  REQUIRE(hello.ok());
  auto refused = pump(client, server, *hello);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "unknown resumption ticket");
  CHECK(client.refusal() == AlertCode::kUnknownTicket);
  // Only one ticket attempt per connection.
  auto second = server.onMessage(*hello);
  REQUIRE_FALSE(second.ok());
  CHECK(server.state() == ServerHandshake::State::kFailed);
}

TEST_CASE("a ResumeHello with a known ID but another key fails key confirmation") {
  ChannelFixture fx(309);
  firstConnection(fx);
  // An attacker who saw only the ticket ID: its own point, no resumption secret.
  auto offer = fx.makeClient().startResume();
  REQUIRE(offer.ok());
  auto attackerKey = base::EcKeyPair::generate(*fx.rng);
  REQUIRE(attackerKey.ok());
  const Bytes hello = encode(ResumeHello{offeredTicketId(*offer), (*attackerKey)->publicPoint(),
                                         fx.rng->bytes(kNonceSize)});
  auto server = fx.makeServer();
  auto flight = server.onMessage(hello);
  REQUIRE(flight.ok());
  REQUIRE(flight->size() == 2);
  auto wrong = server.onMessage(encode(Finished{Bytes(kMacSize, 0x42)}));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message == "terminal Finished MAC is wrong (key confirmation failed)");
  CHECK(fx.tickets.size() == 0);  // used up, nothing new stored
}

TEST_CASE("a revoked terminal cannot resume and loses its tickets") {
  ChannelFixture fx(310);
  firstConnection(fx);
  fx.registry.revoke("laptop-1");
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startResume();
  REQUIRE(hello.ok());
  auto run = pump(client, server, *hello);
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message == "terminal not authenticated");
  CHECK(client.refusal() == AlertCode::kTerminalRefused);
  CHECK(client.state() == ClientHandshake::State::kFailed);  // no fall-back for this one
  CHECK(fx.tickets.size() == 0);
}

TEST_CASE("the agent caps the ticket lifetime the server announces") {
  ChannelFixture fx(311);
  ServerConfig serverConfig = fx.serverConfig();
  serverConfig.ticketLifetimeMs = 1000ull * 3600 * 1000;
  auto client = fx.makeClient();
  ServerHandshake server(serverConfig);
  REQUIRE(fullHandshake(fx, client, server).ok());
  fx.clock.advanceMs(12ull * 3600 * 1000 - 1);
  CHECK(fx.makeClient().startResume().ok());
  fx.clock.advanceMs(1);
  CHECK_FALSE(fx.makeClient().startResume().ok());
}

TEST_CASE("the server's ticket store is bounded and single use") {
  ServerTicketStore store(3);
  const uint64_t now = 1000;
  for (uint8_t i = 0; i < 5; ++i) {
    store.store(Bytes(kTicketIdSize, i),
                ServerTicket{"t", SecretBytes(Bytes(32, i)), now + 100 + i}, now);
  }
  CHECK(store.size() == 3);
  ServerTicket found;
  // The ones closest to expiry were dropped.
  CHECK(store.take(Bytes(kTicketIdSize, 0), now, found) == TicketLookup::kUnknown);
  CHECK(store.take(Bytes(kTicketIdSize, 1), now, found) == TicketLookup::kUnknown);
  CHECK(store.take(Bytes(kTicketIdSize, 4), now, found) == TicketLookup::kFound);
  CHECK(found.resumptionSecret.view()[0] == 4);
  CHECK(store.take(Bytes(kTicketIdSize, 4), now, found) == TicketLookup::kUnknown);  // used up
  CHECK(store.take(Bytes(kTicketIdSize, 3), now + 103, found) == TicketLookup::kExpired);
  CHECK(store.size() == 1);
  store.revokeTerminal("t");
  CHECK(store.size() == 0);
}

}  // namespace hp::channel::test
