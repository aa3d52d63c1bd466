// A lost or stolen till card (docs/proxy-architecture.md, "A lost access card"): the user revokes
// it from another of their terminals with PIN2, and the till's channel, open in the middle of a
// basket, ends at once. Attacker: whoever holds the card and its PIN at a till. Also: the till
// card itself may not revoke (or reach) anything beyond its policy.
#include <doctest.h>

#include "host/rpc/channel_messages.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/security/authority_world.hpp"
#include "tests/support/temp_dir.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::home_server::security {

namespace {

namespace at = card_adapters::test;
using test::call;
using test::TestTerminal;

Json::Value idParams(const std::string& id) {
  Json::Value params;
  params["id"] = id;
  return params;
}

}  // namespace

TEST_SUITE("till") {
  TEST_CASE("attack: a till card revoked from the user's phone loses its open channel mid-basket") {
    AuthorityWorld world;
    TestTerminal phone("phone-9", 7101), till("till-9", 7102);
    world.registerTerminal(phone);
    Json::Value registration = idParams(till.id());
    registration["key"] = toHex(till.publicKey());
    registration["kind"] = "till";
    registration["shop"] = "localhost";
    const protocol::rpc::Response registered =
        world.admin(wire::nameOf<wire::TerminalRegister>(), registration);
    REQUIRE_MESSAGE(registered.ok(), codeOf(registered));

    // The till's channel is open, between two items of a basket.
    auto tillChannel = world.connect(till);
    REQUIRE(call(*tillChannel, wire::nameOf<wire::CardStatus>()).ok());
    // The till card may neither revoke the phone nor reach the shop's sessions or the relay.
    CHECK(codeOf(call(*tillChannel, wire::nameOf<wire::TerminalsRevoke>(), idParams(phone.id()))) ==
          "policy_denied");
    CHECK(codeOf(call(*tillChannel, wire::nameOf<wire::SessionOpen>(),
                      wire::SessionOpen::Params{world.shopUrl()}.toJson())) == "policy_denied");

    // The phone needs its own PIN2 to revoke.
    auto phoneChannel = world.connect(phone);
    CHECK(codeOf(call(*phoneChannel, wire::nameOf<wire::TerminalsRevoke>(), idParams(till.id()))) ==
          "pin2_required");
    REQUIRE(call(*phoneChannel, wire::nameOf<wire::CardPin2>(),
                 wire::PinParams{std::string(at::kHomePin2)}.toJson())
                .ok());
    const protocol::rpc::Response revoked =
        call(*phoneChannel, wire::nameOf<wire::TerminalsRevoke>(), idParams(till.id()));
    REQUIRE_MESSAGE(revoked.ok(), codeOf(revoked) << " " << world.log());

    // The till's open channel is gone: no answer, the connection ended.
    // (The send may or may not fail, depending on how far the shutdown got.)
    (void)rpc::sendMessage(*tillChannel, "{\"v\":1,\"id\":99,\"method\":\"card.status\"}");
    CHECK_FALSE(rpc::receiveMessage(*tillChannel).ok());
    CHECK(world.log().find("revoked (1 open channel(s) closed) by terminal phone-9") !=
          std::string::npos);
    // It cannot come back, with a full handshake or its ticket.
    CHECK_FALSE(till.connect(world.server->port(), world.serverSigner->publicKey()).ok());
    CHECK_FALSE(till.connect(world.server->port(), world.serverSigner->publicKey(), true).ok());
    const protocol::rpc::Response listed = world.admin(wire::nameOf<wire::TerminalList>());
    REQUIRE(listed.ok());
    // The home card's registry drops a revoked ID or marks it revoked; either way not active.
    for (const Json::Value& entry : (*listed.result)["terminals"]) {
      if (entry["id"].asString() == till.id()) CHECK(entry["revoked"].asBool());
    }
    // The phone goes on.
    CHECK(call(*phoneChannel, wire::nameOf<wire::CardStatus>()).ok());
  }

  TEST_CASE("a till's policy survives a restart of the home server") {
    // The policy store's directory outlives the world, so the store is read after the restart.
    const hp::test::TempDir dir;
    const std::string dbPath = dir.file("policies.db");
    {
      AuthorityWorld world([&dbPath](HomeServerConfig& config, HomeServerParts&) {
        config.terminalPolicyDb = dbPath;
      });
      TestTerminal till("till-7", 7103);
      Json::Value registration = idParams(till.id());
      registration["key"] = toHex(till.publicKey());
      registration["kind"] = "till";
      registration["shop"] = "localhost";
      REQUIRE(world.admin(wire::nameOf<wire::TerminalRegister>(), registration).ok());
      Json::Value change = idParams(till.id());
      change["set"]["per_day"] = 1234;
      REQUIRE(world.admin(wire::nameOf<wire::TerminalPolicySet>(), change).ok());
      // A till without a shop would pay anywhere: refused.
      Json::Value noShop = idParams(till.id());
      noShop["set"]["shops"] = Json::Value(Json::arrayValue);
      CHECK(codeOf(world.admin(wire::nameOf<wire::TerminalPolicySet>(), noShop)) ==
            "invalid_params");
    }
    auto store = PolicyStore::open(dbPath);
    REQUIRE(store.ok());
    const TerminalPolicy policy = (*store)->effective("till-7");
    CHECK(policy.kind == "till");
    CHECK(policy.perDay == 1234);
    CHECK(policy.shops == std::vector<std::string>{"localhost"});
  }
}

}  // namespace hp::home_server::security
