#include "tests/support/channel_fixture.hpp"

#include <doctest.h>

#include <set>

namespace hp::channel::test {

ChannelFixture::ChannelFixture(uint64_t seedValue, const std::string& id)
    : seed(seedValue),
      terminalId(id),
      rng(base::makeSeededRng(seedValue)),
      serverRng(base::makeSeededRng(seedValue ^ 0x5E5E5E5Eull)) {
  // Printed once per seed (the loops make many fixtures from one seed).
  static std::set<uint64_t> printed;
  if (printed.insert(seed).second) MESSAGE("channel test RNG seed: ", seed);
  auto terminalKey = base::EcKeyPair::generate(*rng);
  auto serverKey = base::EcKeyPair::generate(*rng);
  REQUIRE(terminalKey.ok());
  REQUIRE(serverKey.ok());
  // The terminal's agent holds the home server key, as the access card does (DF 31).
  agent = std::make_unique<SoftwareTerminalKeyAgent>(terminalId, std::move(terminalKey.value()),
                                                     serverKey.value()->publicPoint(), *rng,
                                                     kShareLifetimeMs, &clock);
  signer = std::make_unique<SoftwareServerSigner>(std::move(serverKey.value()), *serverRng);
  registry.add(terminalId, agent->publicKey());
}

ClientConfig clientConfigOf(base::Clock& clock, base::Rng& rng) {
  ClientConfig config;
  config.clock = &clock;
  config.rng = &rng;
  return config;
}

ServerConfig serverConfigOf(TerminalRegistry& registry, ServerSigner& signer, base::Clock& clock,
                            base::Rng& rng, ShareReplayCache& replayCache,
                            ServerTicketStore& tickets) {
  ServerConfig config;
  config.registry = &registry;
  config.signer = &signer;
  config.clock = &clock;
  config.rng = &rng;
  config.replayCache = &replayCache;
  config.tickets = &tickets;
  return config;
}

ClientConfig ChannelFixture::clientConfig() {
  ClientConfig config = clientConfigOf(clock, *rng);
  config.log = [this](std::string_view line) {
    std::lock_guard lock(logMutex);
    logLines.emplace_back(line);
  };
  return config;
}

ServerConfig ChannelFixture::serverConfig() {
  ServerConfig config = serverConfigOf(registry, *signer, clock, *serverRng, replayCache, tickets);
  config.log = [this](std::string_view line) {
    std::lock_guard lock(logMutex);
    logLines.emplace_back(line);
  };
  return config;
}

SignedShare ChannelFixture::prepareShare() {
  auto share = agent->prepareShare(clock.nowMs());
  REQUIRE(share.ok());
  return share.value();
}

Result<void> pump(ClientHandshake& client, ServerHandshake& server, const Bytes& first,
                  std::vector<Bytes>* wire) {
  std::vector<Bytes> toServer{first};
  while (!toServer.empty()) {
    std::vector<Bytes> toClient;
    for (const Bytes& message : toServer) {
      if (wire) wire->push_back(message);
      auto replies = server.onMessage(message);
      if (!replies) {
        // Deliver the refusal as the server would, so the terminal sees the reason too.
        if (server.alertMessage()) (void)client.onMessage(*server.alertMessage());
        return replies.error();
      }
      toClient.insert(toClient.end(), replies->begin(), replies->end());
    }
    toServer.clear();
    for (const Bytes& message : toClient) {
      if (wire) wire->push_back(message);
      auto replies = client.onMessage(message);
      if (!replies) return replies.error();
      toServer.insert(toServer.end(), replies->begin(), replies->end());
    }
  }
  if (!client.established() || !server.established()) {
    return makeError("handshake stalled");
  }
  return {};
}

Result<Session> takeSession(ClientHandshake& client, ServerHandshake& server) {
  auto terminal = client.takeRecordProtector();
  if (!terminal) return terminal.error();
  auto home = server.takeRecordProtector();
  if (!home) return home.error();
  return Session{std::move(terminal.value()), std::move(home.value())};
}

Result<Session> fullHandshake(ChannelFixture& fixture, ClientHandshake& client,
                              ServerHandshake& server) {
  auto hello = client.startFull(fixture.prepareShare());
  if (!hello) return hello.error();
  if (auto run = pump(client, server, *hello); !run) return run.error();
  return takeSession(client, server);
}

}  // namespace hp::channel::test
