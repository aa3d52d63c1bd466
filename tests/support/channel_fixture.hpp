// A terminal, its access card (software agent), a home server and its caches, wired with a
// seeded RNG and a manual clock; plus an in-memory pump that carries handshake messages.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/channel/client_handshake.hpp"
#include "host/channel/replay_cache.hpp"
#include "host/channel/server_handshake.hpp"
#include "host/channel/software_identity.hpp"
#include "host/channel/ticket_store.hpp"

namespace hp::channel::test {

inline constexpr uint64_t kShareLifetimeMs = 10 * 60 * 1000;

class ChannelFixture {
 public:
  // Prints the seed, so any failure is reproducible.
  explicit ChannelFixture(uint64_t seed, const std::string& terminalId = "laptop-1");

  ClientConfig clientConfig();
  ServerConfig serverConfig();
  SignedShare prepareShare();
  ClientHandshake makeClient() { return ClientHandshake(clientConfig(), *agent); }
  ServerHandshake makeServer() { return ServerHandshake(serverConfig()); }

  uint64_t seed;
  std::string terminalId;
  std::unique_ptr<base::Rng> rng;        // the terminal's (and the test's)
  std::unique_ptr<base::Rng> serverRng;  // the server's: it may run on another thread
  base::ManualClock clock;
  std::unique_ptr<SoftwareTerminalKeyAgent> agent;
  SoftwareTerminalRegistry registry;
  std::unique_ptr<SoftwareServerSigner> signer;
  ShareReplayCache replayCache{64};
  ServerTicketStore tickets{16};
  std::vector<std::string> logLines;
  std::mutex logMutex;  // both sides log; over TCP they run on two threads
};

struct Session {
  std::unique_ptr<RecordProtector> terminal;
  std::unique_ptr<RecordProtector> server;
};

// The two ends' configs from a test world's parts (worlds whose terminal or registry is a card
// build theirs with these; ChannelFixture's add its log).
ClientConfig clientConfigOf(base::Clock& clock, base::Rng& rng);
ServerConfig serverConfigOf(TerminalRegistry& registry, ServerSigner& signer, base::Clock& clock,
                            base::Rng& rng, ShareReplayCache& replayCache,
                            ServerTicketStore& tickets);

// Feeds `first` (the terminal's first message) to the server and carries every reply across
// until both sides are established; the first refusal (either side) is returned. With `wire`,
// every message either side sent is recorded there, in order (what an eavesdropper sees).
Result<void> pump(ClientHandshake& client, ServerHandshake& server, const Bytes& first,
                  std::vector<Bytes>* wire = nullptr);
// A full handshake with a fresh share; established protectors for both sides.
Result<Session> fullHandshake(ChannelFixture& fixture, ClientHandshake& client,
                              ServerHandshake& server);
Result<Session> takeSession(ClientHandshake& client, ServerHandshake& server);

}  // namespace hp::channel::test
