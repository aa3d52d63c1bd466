// Keeping the channel key (the seed's "previously hold"): resumption tickets.
#include <doctest.h>

#include "fixture.hpp"
#include "messages.hpp"

namespace hp::channel::test {

namespace {

// A full handshake whose ticket the terminal keeps; returns the ticket.
ClientTicket firstConnection(ChannelFixture& fx, Session* sessionOut = nullptr) {
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto session = fullHandshake(fx, client, server);
  REQUIRE(session.ok());
  REQUIRE(client.ticket().has_value());
  if (sessionOut != nullptr) *sessionOut = std::move(session.value());
  return *client.ticket();
}

}  // namespace

TEST_CASE("a resumed connection needs no card operation and carries data") {
  ChannelFixture fx(301);
  const ClientTicket ticket = firstConnection(fx);
  CHECK(ticket.expiresAtMs == fx.clock.nowMs() + 12ull * 3600 * 1000);
  fx.clock.advanceMinutes(60);

  // An agent with no prepared share: any card operation would fail the handshake.
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startResume(ticket);
  REQUIRE(hello.ok());
  auto run = pump(client, server, *hello);
  if (!run.ok()) FAIL(run.error().message);
  CHECK(client.resumed());
  CHECK(server.resumed());
  CHECK(server.terminalId() == "laptop-1");
  CHECK_FALSE(client.ticket().has_value());  // the old ticket stays the one to use
  auto session = takeSession(client, server);
  REQUIRE(session.ok());
  auto frame = session->terminal->seal(bytesOf("lights off"));
  REQUIRE(frame.ok());
  auto opened = session->server->open(*frame);
  REQUIRE(opened.ok());
  CHECK(opened->data == bytesOf("lights off"));
  // The ticket may be used again until it expires; each time the keys are fresh.
  auto again = fx.makeClient();
  auto server2 = fx.makeServer();
  auto hello2 = again.startResume(ticket);
  REQUIRE(hello2.ok());
  CHECK(pump(again, server2, *hello2).ok());
}

TEST_CASE("resumed keys differ from the original and from each other") {
  ChannelFixture fx(302);
  Session original;
  const ClientTicket ticket = firstConnection(fx, &original);
  auto resume = [&]() {
    auto client = fx.makeClient();
    auto server = fx.makeServer();
    auto hello = client.startResume(ticket);
    REQUIRE(hello.ok());
    REQUIRE(pump(client, server, *hello).ok());
    auto session = takeSession(client, server);
    REQUIRE(session.ok());
    return std::move(session.value());
  };
  Session first = resume();
  Session second = resume();
  const Bytes message = bytesOf("same plaintext, same sequence number");
  auto a = original.terminal->seal(message);
  auto b = first.terminal->seal(message);
  auto c = second.terminal->seal(message);
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(*a != *b);
  CHECK(*b != *c);
  CHECK(*a != *c);
  // And no session opens another's record.
  CHECK_FALSE(first.server->open(*a).ok());
  CHECK_FALSE(second.server->open(*b).ok());
  CHECK(original.server->open(*a).ok());
}

TEST_CASE("an expired ticket is refused and the terminal falls back to a full handshake") {
  ChannelFixture fx(303);
  const ClientTicket ticket = firstConnection(fx);
  card::ManualClock terminalClock = fx.clock;  // the terminal's clock lags behind
  fx.clock.advanceMs(12ull * 3600 * 1000);
  ClientConfig config = fx.clientConfig();
  config.clock = &terminalClock;
  ClientHandshake client(config, *fx.agent);
  auto server = fx.makeServer();
  auto hello = client.startResume(ticket);
  REQUIRE(hello.ok());
  auto refused = pump(client, server, *hello);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "resumption ticket has expired");
  CHECK(client.state() == ClientHandshake::State::kResumeRefused);
  CHECK(client.refusal() == AlertCode::kTicketExpired);
  CHECK(server.state() == ServerHandshake::State::kWaitHello);
  CHECK(fx.tickets.size() == 0);  // erased on sight

  // Fall back on the same machines (same connection) with a freshly prepared share.
  terminalClock = fx.clock;
  auto full = client.startFull(fx.prepareShare());
  REQUIRE(full.ok());
  REQUIRE(pump(client, server, *full).ok());
  CHECK_FALSE(server.resumed());
  CHECK(client.ticket().has_value());
}

TEST_CASE("the terminal does not even offer a ticket that has expired by its clock") {
  ChannelFixture fx(304);
  const ClientTicket ticket = firstConnection(fx);
  fx.clock.advanceMs(12ull * 3600 * 1000);
  auto client = fx.makeClient();
  auto hello = client.startResume(ticket);
  REQUIRE_FALSE(hello.ok());
  CHECK(hello.error().message == "resumption ticket has expired; do a full handshake");
  CHECK(client.state() == ClientHandshake::State::kIdle);
}

TEST_CASE("an unknown ticket is refused") {
  ChannelFixture fx(305);
  ClientTicket ticket = firstConnection(fx);
  ServerTicketStore afterRestart(16);
  ServerConfig config = fx.serverConfig();
  SUBCASE("never issued") {
    ticket.ticketId = fx.rng->bytes(kTicketIdSize);
  }
  SUBCASE("issued before the server restarted") {
    config.tickets = &afterRestart;
  }
  auto client = fx.makeClient();
  ServerHandshake server(config);
  auto hello = client.startResume(ticket);
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

TEST_CASE("a ticket with the wrong secret fails key confirmation") {
  ChannelFixture fx(306);
  ClientTicket ticket = firstConnection(fx);
  ticket.resumptionSecret = SecretBytes(fx.rng->bytes(32));  // an attacker who saw only the ID
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startResume(ticket);
  REQUIRE(hello.ok());
  auto run = pump(client, server, *hello);
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message == "server Finished MAC is wrong (key confirmation failed)");
}

TEST_CASE("a revoked terminal cannot resume and loses its tickets") {
  ChannelFixture fx(307);
  const ClientTicket ticket = firstConnection(fx);
  fx.registry.revoke("laptop-1");
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startResume(ticket);
  REQUIRE(hello.ok());
  auto run = pump(client, server, *hello);
  REQUIRE_FALSE(run.ok());
  CHECK(run.error().message == "terminal 'laptop-1' is revoked");
  CHECK(client.state() == ClientHandshake::State::kFailed);  // no fall-back for this one
  CHECK(fx.tickets.size() == 0);
}

TEST_CASE("the terminal caps the ticket lifetime the server announces") {
  ChannelFixture fx(308);
  ServerConfig serverConfig = fx.serverConfig();
  serverConfig.ticketLifetimeMs = 1000ull * 3600 * 1000;
  auto client = fx.makeClient();
  ServerHandshake server(serverConfig);
  REQUIRE(fullHandshake(fx, client, server).ok());
  CHECK(client.ticket()->expiresAtMs == fx.clock.nowMs() + 12ull * 3600 * 1000);
}

TEST_CASE("the server's ticket store is bounded") {
  ServerTicketStore store(3);
  const uint64_t now = 1000;
  for (uint8_t i = 0; i < 5; ++i) {
    store.store(Bytes(kTicketIdSize, i),
                ServerTicket{"t", SecretBytes(Bytes(32, i)), now + 100 + i}, now);
  }
  CHECK(store.size() == 3);
  ServerTicket found;
  // The ones closest to expiry were dropped.
  CHECK(store.find(Bytes(kTicketIdSize, 0), now, found) == TicketLookup::kUnknown);
  CHECK(store.find(Bytes(kTicketIdSize, 1), now, found) == TicketLookup::kUnknown);
  CHECK(store.find(Bytes(kTicketIdSize, 4), now, found) == TicketLookup::kFound);
  CHECK(found.resumptionSecret.view()[0] == 4);
  CHECK(store.find(Bytes(kTicketIdSize, 4), now + 104, found) == TicketLookup::kExpired);
  CHECK(store.size() == 2);
}

}  // namespace hp::channel::test

namespace hp::channel::test {

TEST_CASE("a client ticket survives encoding for the access card and nothing else decodes") {
  ChannelFixture fx(309);
  const ClientTicket ticket = firstConnection(fx);
  const SecretBytes encoded = encodeClientTicket(ticket);
  REQUIRE(encoded.size() == kEncodedClientTicketSize);
  auto decoded = decodeClientTicket(encoded.view());
  REQUIRE(decoded.ok());
  CHECK(decoded->ticketId == ticket.ticketId);
  CHECK(decoded->expiresAtMs == ticket.expiresAtMs);
  CHECK(decoded->resumptionSecret == ticket.resumptionSecret);
  // The decoded ticket resumes.
  auto client = fx.makeClient();
  auto server = fx.makeServer();
  auto hello = client.startResume(*decoded);
  REQUIRE(hello.ok());
  CHECK(pump(client, server, *hello).ok());
  // Truncated, extended or of another format: refused.
  for (size_t keep = 0; keep < encoded.size(); ++keep) {
    CHECK_FALSE(decodeClientTicket(encoded.view().first(keep)).ok());
  }
  Bytes other(encoded.view().begin(), encoded.view().end());
  other[0] = 2;
  CHECK_FALSE(decodeClientTicket(other).ok());
  other[0] = 1;
  other.push_back(0);
  CHECK_FALSE(decodeClientTicket(other).ok());
}

}  // namespace hp::channel::test
