// An expired terminal policy (docs/proxy-architecture.md, "Terminal policies"): authority only
// while allowed, as an ssh-agent's key only for its lifetime. Before, an expired policy made the
// gate refuse every request but left the terminal registered, its tickets valid and its open
// channel standing: a till card past its date could keep a channel open and resume it. Now the
// expiry revokes the terminal as `revoke-terminal` does, whether a request meets the gate or the
// channel sits idle (the policy sweep). Attacker: whoever holds a till card past its expiry.
#include <doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "host/rpc/channel_messages.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/security/authority_world.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::home_server::security {

namespace {

using test::call;
using test::TestTerminal;

// The server's Unix clock, moved by hand; no sweeper thread (the test runs its rounds).
struct ExpiryWorld {
  std::atomic<int64_t> now{tls_proxy::systemUnixNow()};
  AuthorityWorld world{[this](HomeServerConfig&, HomeServerParts& parts) {
    parts.unixNow = [this] { return now.load(); };
    parts.policySweepMs = 0;
  }};

  // A till for "localhost" whose policy expires in a minute.
  void registerTill(const TestTerminal& till) {
    Json::Value registration;
    registration["id"] = till.id();
    registration["key"] = toHex(till.publicKey());
    registration["kind"] = "till";
    registration["shop"] = "localhost";
    REQUIRE(world.admin(wire::nameOf<wire::TerminalRegister>(), registration).ok());
    Json::Value change;
    change["id"] = till.id();
    change["set"]["expires"] = Json::UInt64(now + 60);
    REQUIRE(world.admin(wire::nameOf<wire::TerminalPolicySet>(), change).ok());
  }
  bool revokedInRegistry(const std::string& id) {
    const protocol::rpc::Response listed = world.admin(wire::nameOf<wire::TerminalList>());
    REQUIRE(listed.ok());
    for (const Json::Value& entry : (*listed.result)["terminals"]) {
      if (entry["id"].asString() == id) return entry["revoked"].asBool();
    }
    return true;  // dropped from the registry: revoked too
  }
  // The revocation's log line is written after it closed the channels, so a test that saw its
  // channel close may look before it is there: waits up to 5 s for `want` occurrences.
  size_t countSoon(const std::string& text, size_t want) {
    size_t found = count(text);
    for (int i = 0; i < 500 && found < want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      found = count(text);
    }
    return found;
  }
  size_t count(const std::string& text) {
    const std::string log = world.log();
    size_t found = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++found;
    return found;
  }
};

// No answer comes on the channel: it was closed under the terminal.
bool channelClosed(channel::ChannelConnection& channel) {
  (void)rpc::sendMessage(channel, "{\"v\":1,\"id\":99,\"method\":\"card.status\"}");
  auto answer = rpc::receiveMessage(channel);
  return !answer.ok() || !answer->has_value();
}

}  // namespace

TEST_SUITE("till") {
  TEST_CASE("attack: a till past its policy's expiry is revoked at its next request") {
    ExpiryWorld expiry;
    TestTerminal till("till-x1", 7201), phone("phone-x1", 7202);
    expiry.world.registerTerminal(phone);
    expiry.registerTill(till);
    auto channel = expiry.world.connect(till);
    REQUIRE(call(*channel, wire::nameOf<wire::CardStatus>()).ok());
    REQUIRE(till.hasTicket());
    auto phoneChannel = expiry.world.connect(phone);

    expiry.now += 61;
    // The request is refused and the terminal revoked at once, this channel with it.
    CHECK(channelClosed(*channel));
    CHECK(expiry.count("rpc till-x1 card.status: policy_denied") == 1);
    CHECK(expiry.countSoon("revoked (1 open channel(s) closed) by the expiry of its policy", 1) ==
          1);
    CHECK(expiry.revokedInRegistry(till.id()));
    // It cannot come back: no full handshake, no resumption with its ticket.
    CHECK_FALSE(
        till.connect(expiry.world.server->port(), expiry.world.serverSigner->publicKey()).ok());
    CHECK_FALSE(
        till.connect(expiry.world.server->port(), expiry.world.serverSigner->publicKey(), true)
            .ok());
    // The sweep finds nothing left to do; the phone (no expiry) goes on.
    expiry.world.server->policySweep();
    CHECK(expiry.count("by the expiry of its policy") == 1);
    CHECK(call(*phoneChannel, wire::nameOf<wire::CardStatus>()).ok());
  }

  TEST_CASE("attack: an idle channel of an expired till is closed by the policy sweep") {
    ExpiryWorld expiry;
    TestTerminal till("till-x2", 7203);
    expiry.registerTill(till);
    auto channel = expiry.world.connect(till);
    REQUIRE(call(*channel, wire::nameOf<wire::CardStatus>()).ok());
    // Not yet expired: the sweep leaves it alone.
    expiry.world.server->policySweep();
    CHECK(call(*channel, wire::nameOf<wire::CardStatus>()).ok());
    CHECK_FALSE(expiry.revokedInRegistry(till.id()));

    expiry.now += 61;
    // The till sends nothing; the sweep (every second in the daemon) ends it.
    expiry.world.server->policySweep();
    CHECK(expiry.countSoon("revoked (1 open channel(s) closed) by the expiry of its policy", 1) ==
          1);
    CHECK(channelClosed(*channel));
    CHECK(expiry.revokedInRegistry(till.id()));
    CHECK_FALSE(
        till.connect(expiry.world.server->port(), expiry.world.serverSigner->publicKey(), true)
            .ok());
    // Revoked once: later rounds do not revoke (or mail) it again.
    expiry.world.server->policySweep();
    CHECK(expiry.count("by the expiry of its policy") == 1);
    // A new policy for the ID starts a new term: registered again, it works.
    expiry.registerTill(till);
    auto again = expiry.world.connect(till);
    CHECK(call(*again, wire::nameOf<wire::CardStatus>()).ok());
  }
}

}  // namespace hp::home_server::security
