// A full control channel handshake where the terminal's side is the access card
// (AccessCardKeyAgent) and the server's registry is the home card's (HomeCardTerminalRegistry).
#include <doctest.h>

#include "base/ec_key.hpp"
#include "host/card_adapters/access_card_key_agent.hpp"
#include "host/card_adapters/home_card_terminal_registry.hpp"
#include "host/channel/client_handshake.hpp"
#include "host/channel/replay_cache.hpp"
#include "host/channel/server_handshake.hpp"
#include "host/channel/software_identity.hpp"
#include "host/channel/ticket_store.hpp"
#include "tests/card_adapters/fixture.hpp"
#include "tests/support/channel_fixture.hpp"

namespace hp::card_adapters::test {

namespace {
using channel::test::kShareLifetimeMs;

// The home server (software signer, home card registry) and a terminal (access card).
struct World {
  World()
      : serverRng(base::makeSeededRng(testSeed() ^ 0x5E)),
        terminalRng(base::makeSeededRng(testSeed() ^ 0x7E)),
        signer(must(base::EcKeyPair::generate(*serverRng)), *serverRng),
        access(signer.publicKey()),
        agent(*access.client, kShareLifetimeMs),
        registry(*home.client) {
    // Registration: the access card's terminal key goes into the home card's registry.
    REQUIRE(must(home.client->verifyPin1(kHomePin1)).verified());
    mustOk(home.client->registryAdd(HomeRegistry::kTerminals, bytesOf(kTerminalId),
                                    must(access.client->readPublicKey())));
    REQUIRE(must(access.client->verifyPin(kAccessPin)).verified());
  }

  channel::ClientConfig clientConfig() {
    return channel::test::clientConfigOf(clock, *terminalRng);
  }
  channel::ServerConfig serverConfig() {
    return channel::test::serverConfigOf(registry, signer, clock, *serverRng, replayCache, tickets);
  }

  // Carries messages both ways until both sides are established or one refuses.
  Result<void> pump(channel::ClientHandshake& client, channel::ServerHandshake& server,
                    const Bytes& first) {
    return channel::test::pump(client, server, first);
  }

  base::ManualClock clock;  // wall-clock stand-in shared by both sides
  std::unique_ptr<base::Rng> serverRng;
  std::unique_ptr<base::Rng> terminalRng;
  channel::SoftwareServerSigner signer;
  HomeCard home;
  AccessCard access;
  AccessCardKeyAgent agent;
  HomeCardTerminalRegistry registry;
  channel::ShareReplayCache replayCache{16};
  channel::ServerTicketStore tickets{16};
};
}  // namespace

TEST_SUITE("channel") {
  TEST_CASE("full handshake: access card agent against the home card's registry") {
    World world;
    channel::ClientHandshake client(world.clientConfig(), world.agent);
    channel::ServerHandshake server(world.serverConfig());
    const channel::SignedShare share = must(world.agent.prepareShare(world.clock.nowMs()));
    CHECK(share.terminalId == kTerminalId);
    CHECK(share.expiresAtMs - share.createdAtMs == kShareLifetimeMs);
    CHECK(world.access.applet->hasPendingShare());
    const Bytes hello = must(client.startFull(share));
    mustOk(world.pump(client, server, hello));
    CHECK(server.terminalId() == kTerminalId);
    CHECK_FALSE(world.access.applet->hasPendingShare());  // used once, gone

    // Both ends hold the same keys: a record sealed by one opens at the other.
    auto terminal = must(client.takeRecordProtector());
    auto home = must(server.takeRecordProtector());
    const Bytes frame = must(terminal->seal(bytesOf("card.status")));
    CHECK(frame.size() > 11);
    const Bytes reply = must(home->seal(bytesOf("{\"v\":1}")));
    CHECK(reply.size() > 7);

    // The ticket stays in the access card's RAM; the next connection resumes through the card
    // (PREPARE RESUME + RESUME AGREEMENT: two APDUs), which rotates it.
    CHECK(world.access.applet->hasTicket());
    channel::ClientHandshake again(world.clientConfig(), world.agent);
    channel::ServerHandshake server2(world.serverConfig());
    const size_t before = world.access.client->commands().commandsSent();
    const Bytes resumeHello = must(again.startResume());
    mustOk(world.pump(again, server2, resumeHello));
    CHECK(again.resumed());
    CHECK(server2.resumed());
    CHECK(world.access.client->commands().commandsSent() == before + 2);
    CHECK(world.tickets.size() == 1);
    // Locked: the ticket is gone, the agent offers nothing.
    mustOk(world.access.client->lock());
    CHECK_FALSE(world.access.applet->hasTicket());
  }

  TEST_CASE(
      "the access card refuses a server signed by another key (the terminal verifies nothing)") {
    World world;
    // An impostor: the same registry and protocol, but its own long-term key.
    channel::SoftwareServerSigner impostor(must(base::EcKeyPair::generate(*world.serverRng)),
                                           *world.serverRng);
    channel::ServerConfig config = world.serverConfig();
    config.signer = &impostor;
    channel::ClientHandshake client(world.clientConfig(), world.agent);
    channel::ServerHandshake server(config);
    const Bytes hello = must(client.startFull(must(world.agent.prepareShare(world.clock.nowMs()))));
    const size_t before = world.access.client->commands().commandsSent();
    auto run = world.pump(client, server, hello);
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().message == channel::kBadServerSignature);
    CHECK(client.state() == channel::ClientHandshake::State::kFailed);
    CHECK_FALSE(server.established());
    // The refusal came from the card's KEY AGREEMENT (one APDU), which also dropped the share.
    CHECK(world.access.client->commands().commandsSent() == before + 1);
    CHECK_FALSE(world.access.applet->hasPendingShare());
  }

  TEST_CASE("a terminal removed from the home card's registry is refused") {
    World world;
    mustOk(world.home.client->registryRemove(HomeRegistry::kTerminals, bytesOf(kTerminalId)));
    channel::ClientHandshake client(world.clientConfig(), world.agent);
    channel::ServerHandshake server(world.serverConfig());
    const Bytes hello = must(client.startFull(must(world.agent.prepareShare(world.clock.nowMs()))));
    auto run = world.pump(client, server, hello);
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().message == "terminal not authenticated");
    CHECK(client.refusal() == channel::AlertCode::kTerminalRefused);
    CHECK_FALSE(server.established());
  }

  TEST_CASE("the registry reports a card it cannot ask, not a revoked terminal") {
    World world;
    world.home.runtime->reset();  // PIN1 gone: the registry commands answer 6982
    mustOk(world.home.client->select());
    auto key = world.registry.terminalKey(kTerminalId);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().message.find("unavailable") != std::string::npos);
    CHECK(key.error().message.find("6982") != std::string::npos);
    CHECK(world.registry.terminalKey(std::string(33, 'a'))
              .error()
              .message.find("unknown or revoked") != std::string::npos);
  }

  TEST_CASE("a locked access card cannot take part; the lock drops a prepared share") {
    World world;
    channel::ClientHandshake client(world.clientConfig(), world.agent);
    channel::ServerHandshake server(world.serverConfig());
    const channel::SignedShare share = must(world.agent.prepareShare(world.clock.nowMs()));
    mustOk(world.access.client->lock());
    auto run = world.pump(client, server, must(client.startFull(share)));
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().message.find("6982") != std::string::npos);
    CHECK_FALSE(world.agent.prepareShare(world.clock.nowMs()).ok());
  }
}

}  // namespace hp::card_adapters::test
