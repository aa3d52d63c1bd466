// Attacks on control channel resumption (issue 8, items 1 and 5), against the documented wire
// format (docs/control-channel.md) and card commands (apdu_specs/accesscard.json): the real
// AccessCardApplet through pcsc::InProcessTransport, the real ServerHandshake.
//
// The attacker is malware on the terminal: it sees every APDU the host sends and every answer
// (a recording transport), may read every data object while the card is unlocked, and sees the
// wire. Then the user locks the card, and the attacker tries to get a channel on its own.
//
// Written first against protocol v1 (ticket in DF 34, resumption from the secret alone) and
// run on that code: all four attacks succeeded (the output is in the commit message of the fix).
// The attacker code then followed the documented wire format to v2 (ResumeHello carries a point,
// keys from secret || Z), as a real attacker's would.
#include <doctest.h>

#include <vector>

#include "base/ec_key.hpp"
#include "base/tlv.hpp"
#include "host/card_adapters/access_card_key_agent.hpp"
#include "host/channel/client_handshake.hpp"
#include "host/channel/key_schedule.hpp"
#include "host/channel/messages.hpp"
#include "host/channel/record_protector.hpp"
#include "host/channel/replay_cache.hpp"
#include "host/channel/server_handshake.hpp"
#include "host/channel/software_identity.hpp"
#include "host/channel/ticket_store.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/card_adapters/fixture.hpp"
#include "tests/support/channel_fixture.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::card_adapters::test {

namespace {

// Forwards to the card and keeps a copy of every command and answer: what the host sees.
class RecordingTransport final : public pcsc_bridge::Transport {
 public:
  explicit RecordingTransport(pcsc_bridge::Transport& inner) : inner_(inner) {}
  Result<Bytes> transmitRaw(ByteView command) override {
    commands.emplace_back(command.begin(), command.end());
    auto answer = inner_.transmitRaw(command);
    if (answer) answers.push_back(*answer);
    return answer;
  }
  Result<void> reset() override { return inner_.reset(); }
  Result<Bytes> atr() override { return inner_.atr(); }
  std::string describe() const override { return "recording " + inner_.describe(); }

  std::vector<Bytes> commands;
  std::vector<Bytes> answers;

 private:
  pcsc_bridge::Transport& inner_;
};

using channel::test::kShareLifetimeMs;

// A home server (software signer and registry) and a terminal whose host code talks to the
// real access card through a recording transport.
struct World {
  World()
      : serverRng(base::makeSeededRng(testSeed() ^ 0x5EC1)),
        terminalRng(base::makeSeededRng(testSeed() ^ 0x5EC2)),
        attackerRng(base::makeSeededRng(testSeed() ^ 0x5EC3)),
        signer(must(base::EcKeyPair::generate(*serverRng)), *serverRng),
        access(signer.publicKey()),
        tap(*access.transport),
        terminalCard(tap),
        agent(terminalCard, kShareLifetimeMs) {
    registry.add(std::string(kTerminalId), must(access.client->readPublicKey()));
    mustOk(terminalCard.select());
    REQUIRE(must(terminalCard.verifyPin(kAccessPin)).verified());
  }

  channel::ClientConfig clientConfig() {
    return channel::test::clientConfigOf(clock, *terminalRng);
  }
  channel::ServerConfig serverConfig() {
    return channel::test::serverConfigOf(registry, signer, clock, *serverRng, replayCache, tickets);
  }

  // Carries messages both ways (and records them: the wire) until both sides are done.
  Result<void> pump(channel::ClientHandshake& client, channel::ServerHandshake& server,
                    const Bytes& first) {
    return channel::test::pump(client, server, first, &wire);
  }

  // What the terminal program does for one connection (host/terminal/home_channel.cpp):
  // resume with the card's ticket, else a full handshake.
  Result<void> terminalConnects() {
    channel::ClientHandshake client(clientConfig(), agent);
    channel::ServerHandshake server(serverConfig());
    bool resumed = false;
    if (auto hello = client.startResume(); hello) resumed = pump(client, server, *hello).ok();
    if (!resumed) {
      auto share = agent.prepareShare(clock.nowMs());
      if (!share) return share.error();
      auto hello = client.startFull(*share);
      if (!hello) return hello.error();
      if (auto run = pump(client, server, *hello); !run) return run;
    }
    lastClientRecord =
        must(must(client.takeRecordProtector())->seal(bytesOf(wire::nameOf<wire::PursePay>())));
    return {};
  }

  // Everything the host can read: every answer it saw, every data object it may read now.
  std::vector<Bytes> hostReadable() {
    std::vector<Bytes> all = tap.answers;
    for (uint8_t tag : {0x01, 0x30, 0x31, 0x32, 0x33, 0x34}) {
      auto got = terminalCard.commands().send("GET DATA", 0x00, 0xCA, 0xDF, tag, {}, 256);
      if (got) all.push_back(got->data);
    }
    for (const Bytes& message : wire) all.push_back(message);
    return all;
  }

  base::ManualClock clock;
  std::unique_ptr<base::Rng> serverRng;
  std::unique_ptr<base::Rng> terminalRng;
  std::unique_ptr<base::Rng> attackerRng;
  channel::SoftwareServerSigner signer;
  channel::SoftwareTerminalRegistry registry;
  AccessCard access;
  RecordingTransport tap;
  AccessCardClient terminalCard;
  AccessCardKeyAgent agent;
  channel::ShareReplayCache replayCache{16};
  channel::ServerTicketStore tickets{16};
  std::vector<Bytes> wire;
  Bytes lastClientRecord;
};

// Every 32-byte window of everything captured: the attacker's candidate resumption secrets.
std::vector<Bytes> candidateSecrets(const std::vector<Bytes>& captured) {
  std::vector<Bytes> out;
  for (const Bytes& blob : captured) {
    for (size_t i = 0; i + 32 <= blob.size(); ++i)
      out.emplace_back(blob.begin() + i, blob.begin() + i + 32);
  }
  return out;
}

// The ticket IDs the attacker saw on the wire (ServerHello, ResumeAccept).
std::vector<Bytes> ticketIdsOnTheWire(const std::vector<Bytes>& wire) {
  std::vector<Bytes> ids;
  for (const Bytes& message : wire) {
    if (auto hello = channel::parseServerHello(message)) ids.push_back(hello->ticketId);
    if (auto accept = channel::parseResumeAccept(message)) ids.push_back(accept->ticketId);
  }
  return ids;
}

// IKM = candidate || Z (v2), and the candidate alone (v1) for good measure.
std::vector<Bytes> inputSecrets(const Bytes& candidate, ByteView z) {
  Bytes withZ = candidate;
  withZ.insert(withZ.end(), z.begin(), z.end());
  return {withZ, candidate};
}

// ---- The attacker's own resumption, from the documented wire format (protocol v2) ----------
// ResumeHello = 04 || version || ticket_id || e.pub || client_nonce with the attacker's own
// ephemeral e; keys from (resumption secret || Z) and H(ResumeHello || ResumeAccept) with the
// `resumed` labels, Z = ECDH(e, server point), which the attacker can compute. It sends one
// ResumeHello, then tries every candidate secret offline against the server's Finished; a match
// lets it answer its own Finished.
struct ResumeAttempt {
  bool serverAccepted = false;  // the server answered with a ResumeAccept, not an Alert
  std::optional<channel::AlertCode> alert;
  bool established = false;  // the attacker completed the handshake
};

ResumeAttempt attackResume(World& world, const Bytes& ticketId,
                           const std::vector<Bytes>& candidates) {
  ResumeAttempt result;
  channel::ServerHandshake server(world.serverConfig());
  auto mine = must(base::EcKeyPair::generate(*world.attackerRng));
  const Bytes hello = channel::encode(
      channel::ResumeHello{ticketId, mine->publicPoint(), world.attackerRng->bytes(32)});
  auto flight = server.onMessage(hello);
  if (!flight) {
    if (server.alertMessage())
      result.alert = must(channel::parseAlert(*server.alertMessage())).code;
    return result;
  }
  result.serverAccepted = true;
  REQUIRE(flight->size() == 2);
  channel::Transcript transcript;
  transcript.add(hello);
  transcript.add((*flight)[0]);
  const channel::Finished serverFinished = must(channel::parseFinished((*flight)[1]));
  const channel::ResumeAccept accept = must(channel::parseResumeAccept((*flight)[0]));
  const SecretBytes z = must(mine->agree(accept.ephemeralPoint, *world.attackerRng));
  std::vector<Bytes> inputs;
  for (const Bytes& candidate : candidates) {
    for (Bytes& input : inputSecrets(candidate, z.view())) inputs.push_back(std::move(input));
  }
  for (const Bytes& input : inputs) {
    auto keys =
        channel::deriveSessionKeys(input, transcript.hash(), channel::HandshakeKind::kResumed);
    if (!keys) continue;
    const SecretBytes mac = channel::hmacSha256(keys->serverFinishedKey.view(), transcript.hash());
    if (!constantTimeEqual(mac.view(), serverFinished.mac)) continue;
    channel::Transcript full = transcript;
    full.add((*flight)[1]);
    const SecretBytes mine = channel::hmacSha256(keys->clientFinishedKey.view(), full.hash());
    auto done =
        server.onMessage(channel::encode(channel::Finished{Bytes(mine.data(), mine.data() + 32)}));
    result.established = done.ok() && server.established();
    return result;
  }
  return result;
}

// A recorded resumed handshake plus the resumption secret (a later server compromise): the
// attacker derives the session keys and opens the recorded record.
bool decryptsRecorded(const std::vector<Bytes>& resumedFlight, const Bytes& secret,
                      const Bytes& recordedRecord) {
  channel::Transcript transcript;
  transcript.add(resumedFlight[0]);  // ResumeHello
  transcript.add(resumedFlight[1]);  // ResumeAccept
  // Without either ephemeral private key the attacker has no Z: it tries the secret alone and
  // the secret with every public value of the exchange in Z's place.
  const channel::ResumeHello hello = must(channel::parseResumeHello(resumedFlight[0]));
  const channel::ResumeAccept accept = must(channel::parseResumeAccept(resumedFlight[1]));
  std::vector<Bytes> inputs = {secret};
  for (const Bytes& point : {hello.ephemeralPoint, accept.ephemeralPoint}) {
    for (Bytes& input : inputSecrets(secret, ByteView(point).subspan(1, 32))) {
      inputs.push_back(std::move(input));
    }
  }
  for (const Bytes& input : inputs) {
    auto keys =
        channel::deriveSessionKeys(input, transcript.hash(), channel::HandshakeKind::kResumed);
    if (!keys) continue;
    channel::RecordProtector server(*keys, channel::Role::kServer);
    if (server.open(recordedRecord).ok()) return true;
  }
  return false;
}

}  // namespace

TEST_SUITE("ticket attacks") {
  TEST_CASE("everything host-readable, copied before a lock, does not resume the channel") {
    World world;
    mustOk(world.terminalConnects());  // full handshake: a ticket is issued
    mustOk(world.terminalConnects());  // resumed
    const std::vector<Bytes> captured = world.hostReadable();
    const std::vector<Bytes> ids = ticketIdsOnTheWire(world.wire);
    REQUIRE_FALSE(ids.empty());
    mustOk(world.terminalCard.lock());  // `terminal lock`

    bool anyEstablished = false;
    for (const Bytes& id : ids) {
      const ResumeAttempt attempt = attackResume(world, id, candidateSecrets(captured));
      anyEstablished = anyEstablished || attempt.established;
    }
    CHECK_FALSE(anyEstablished);
  }

  TEST_CASE("an old ticket is refused after a resumption and after a new full handshake") {
    World world;
    mustOk(world.terminalConnects());  // full: ticket 1
    const Bytes first = ticketIdsOnTheWire(world.wire).back();
    mustOk(world.terminalConnects());  // resumes with ticket 1
    const ResumeAttempt afterResume = attackResume(world, first, {});
    CHECK_FALSE(afterResume.serverAccepted);
    CHECK(afterResume.alert == channel::AlertCode::kUnknownTicket);

    // A new full handshake (a fresh unlock, say) kills every earlier ticket of the terminal.
    const Bytes second = ticketIdsOnTheWire(world.wire).back();
    mustOk(world.terminalCard.lock());
    REQUIRE(must(world.terminalCard.verifyPin(kAccessPin)).verified());
    const size_t before = world.wire.size();
    mustOk(world.terminalConnects());
    REQUIRE(world.wire.size() > before);
    for (const Bytes& old : {first, second}) {
      const ResumeAttempt afterFull = attackResume(world, old, {});
      CHECK_FALSE(afterFull.serverAccepted);
    }
  }

  TEST_CASE("a recorded resumed channel stays closed to a later holder of the ticket secret") {
    World world;
    mustOk(world.terminalConnects());  // full
    const Bytes id = ticketIdsOnTheWire(world.wire).back();
    // The server is compromised later; here: a copy of its ticket secret, taken before it is
    // used (and the ticket put back).
    channel::ServerTicket stolen;
    REQUIRE(world.tickets.take(id, world.clock.nowMs(), stolen) == channel::TicketLookup::kFound);
    const Bytes secret(stolen.resumptionSecret.data(), stolen.resumptionSecret.data() + 32);
    world.tickets.store(id, stolen, world.clock.nowMs());
    const size_t before = world.wire.size();
    mustOk(world.terminalConnects());  // resumed, and one record sent
    const std::vector<Bytes> flight(world.wire.begin() + static_cast<long>(before),
                                    world.wire.end());
    REQUIRE(flight.size() >= 2);
    CHECK_FALSE(decryptsRecorded(flight, secret, world.lastClientRecord));
  }

  TEST_CASE("KEY AGREEMENT refuses a server signature made for another share") {
    World world;
    mustOk(world.terminalConnects());  // full handshake: the KEY AGREEMENT command is recorded
    Bytes recorded;
    for (const Bytes& command : world.tap.commands) {
      if (command.size() > 4 && command[0] == 0x80 && command[1] == 0x52) recorded = command;
    }
    REQUIRE_FALSE(recorded.empty());
    // A new share on the card; the malware replays the server-signed data of the old one.
    (void)must(world.agent.prepareShare(world.clock.nowMs()));
    const Bytes answer = must(world.access.transport->transmitRaw(recorded));
    REQUIRE(answer.size() >= 2);
    const uint16_t sw = static_cast<uint16_t>((answer[answer.size() - 2] << 8) | answer.back());
    CHECK(sw == 0x6300);
  }
}

}  // namespace hp::card_adapters::test
