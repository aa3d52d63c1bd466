// The limits of a PIN2 grant (docs/control-channel.md, "Authority"): the AuthorityBook alone
// with a hand-moved clock, then the whole server, whose background work must let the grant and
// the card's crypto state lapse at the configured idle limit.
#include <doctest.h>

#include "host/home_server/sessions/authority_book.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/security/authority_world.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::home_server::security {

namespace {
namespace at = card_adapters::test;
using test::call;
using test::TestTerminal;
}  // namespace

TEST_SUITE("authority") {
  TEST_CASE("authority book: per terminal, idle and lifetime limits, ends, revocation") {
    base::ManualClock clock;
    std::vector<std::string> changes;
    AuthorityBook book(
        {/*idleMs=*/60'000, /*lifetimeMs=*/300'000}, clock,
        [&](const std::string& what, const std::string& from, const std::string& to) {
          changes.push_back(what + ": " + from + " -> " + to);
        });
    CHECK(book.use("a") == AuthorityState::kNone);
    book.grant("a");
    CHECK(book.use("a") == AuthorityState::kLive);
    CHECK(book.use("b") == AuthorityState::kNone);  // A's PIN2 is not B's
    // Each use restarts the idle clock; the lifetime runs regardless.
    for (int i = 0; i < 4; ++i) {
      clock.advanceMs(59'000);
      CHECK(book.use("a") == AuthorityState::kLive);
    }
    clock.advanceMs(65'000);  // 301 s since PIN2
    CHECK(book.use("a") == AuthorityState::kExpiredLifetime);
    CHECK_FALSE(book.anyLive());
    book.grant("a");
    clock.advanceMs(60'000);
    CHECK(book.peek("a") == AuthorityState::kExpiredIdle);
    // Ends.
    book.grant("a");
    book.grant("b");
    CHECK(book.end("a", "terminal finish"));
    CHECK(book.use("a") == AuthorityState::kNone);
    CHECK(book.use("b") == AuthorityState::kLive);
    CHECK(book.endAll("PIN2 blocked") == std::vector<std::string>{"b"});
    CHECK_FALSE(book.anyLive());
    // Revocation: refused as such, a PIN2 racing in grants nothing, until registered again.
    book.grant("a");
    book.revoke("a");
    CHECK(book.use("a") == AuthorityState::kRevoked);
    book.grant("a");
    CHECK(book.use("a") == AuthorityState::kRevoked);
    book.registered("a");
    CHECK(book.use("a") == AuthorityState::kNone);
    // The sweep finds lapses without a request.
    book.grant("c");
    clock.advanceMs(60'000);
    CHECK(book.expire() == std::vector<std::string>{"c"});
    CHECK(book.expire().empty());
    CHECK_FALSE(changes.empty());
    CHECK(changes.front() == "authority a: none -> live (PIN2)");
  }

  TEST_CASE("attack: a background-only home server lets the crypto state lapse at the idle limit") {
    // Attacker: whoever finds the home server idle after the user walked away; the notice mailer
    // and the reconciliation keep reading the card meanwhile.
    base::ManualClock authorityClock;
    AuthorityWorld world([&](HomeServerConfig& config, HomeServerParts& parts) {
      config.authority.idleSeconds = 60;
      config.authority.lifetimeSeconds = 3600;
      parts.authorityClock = &authorityClock;
      parts.authoritySweepMs = 0;  // the sweep is called by hand below
    });
    TestTerminal a("desk-a", 7201);
    world.registerTerminal(a);
    auto channel = world.connect(a);
    const Json::Value pin2 = wire::PinParams{std::string(at::kHomePin2)}.toJson();
    REQUIRE(call(*channel, wire::nameOf<wire::CardPin2>(), pin2).ok());
    Json::Value open;
    open["url"] = world.shopUrl();
    SecretBytes handout;
    REQUIRE(call(*channel, wire::nameOf<wire::SessionOpen>(), open, &handout).ok());
    // User requests keep it: 50 s apart, three times.
    for (int i = 0; i < 3; ++i) {
      authorityClock.advanceMs(50'000);
      REQUIRE(call(*channel, wire::nameOf<wire::SessionOpen>(), open, &handout).ok());
    }
    // Then only background work: the notices' PURSE STATUS / READ LOG, status reads, a sweep.
    for (int i = 0; i < 7; ++i) {
      authorityClock.advanceMs(10'000);
      (void)world.card->purseStatus();
      (void)world.card->purseReadLog(1);
      (void)world.card->status();
      world.server->authority().sweep();
    }
    // 70 s without a user request: the server ended the grant and put the card to standby.
    CHECK(world.card->status()->security == "standby");
    const protocol::rpc::Response after =
        call(*channel, wire::nameOf<wire::SessionOpen>(), open, &handout);
    CHECK(codeOf(after) == "authority_expired");
    REQUIRE(after.error);
    CHECK(after.error->data["limit"].asString() == "idle");
    CHECK(after.error->message.find("terminal pin2") != std::string::npos);
    // Asked again: the same answer, until PIN2 is given again.
    CHECK(codeOf(call(*channel, wire::nameOf<wire::SessionOpen>(), open, &handout)) ==
          "authority_expired");
    REQUIRE(call(*channel, wire::nameOf<wire::CardPin2>(), pin2).ok());
    CHECK(call(*channel, wire::nameOf<wire::SessionOpen>(), open, &handout).ok());
  }

  TEST_CASE("authority: the lifetime ends a grant however busy the terminal is") {
    base::ManualClock authorityClock;
    AuthorityWorld world([&](HomeServerConfig& config, HomeServerParts& parts) {
      config.authority.idleSeconds = 60;
      config.authority.lifetimeSeconds = 120;
      parts.authorityClock = &authorityClock;
      parts.authoritySweepMs = 0;
    });
    TestTerminal a("desk-a", 7211);
    world.registerTerminal(a);
    auto channel = world.connect(a);
    const Json::Value pin2 = wire::PinParams{std::string(at::kHomePin2)}.toJson();
    REQUIRE(call(*channel, wire::nameOf<wire::CardPin2>(), pin2).ok());
    Json::Value open;
    open["url"] = world.shopUrl();
    SecretBytes handout;
    for (int i = 0; i < 3; ++i) {
      REQUIRE(call(*channel, wire::nameOf<wire::SessionOpen>(), open, &handout).ok());
      authorityClock.advanceMs(41'000);
    }
    const protocol::rpc::Response after =
        call(*channel, wire::nameOf<wire::SessionOpen>(), open, &handout);
    CHECK(codeOf(after) == "authority_expired");
    if (after.error) CHECK(after.error->data["limit"].asString() == "lifetime");
    CHECK(world.card->status()->security == "standby");
  }

  TEST_CASE("authority: finish by one terminal leaves the other's grant and the card alone") {
    AuthorityWorld world;
    TestTerminal a("desk-a", 7221), b("laptop-b", 7222);
    world.registerTerminal(a);
    world.registerTerminal(b);
    auto channelA = world.connect(a);
    auto channelB = world.connect(b);
    const Json::Value pin2 = wire::PinParams{std::string(at::kHomePin2)}.toJson();
    REQUIRE(call(*channelA, wire::nameOf<wire::CardPin2>(), pin2).ok());
    REQUIRE(call(*channelB, wire::nameOf<wire::CardPin2>(), pin2).ok());
    Json::Value open;
    open["url"] = world.shopUrl();
    SecretBytes handout;
    REQUIRE(call(*channelA, wire::nameOf<wire::SessionOpen>(), open, &handout).ok());
    const protocol::rpc::Response finished = call(*channelA, wire::nameOf<wire::CardFinish>());
    REQUIRE(finished.ok());
    CHECK((*finished.result)["state"].asString() == "crypto");  // B still holds authority
    CHECK(codeOf(call(*channelA, wire::nameOf<wire::SessionOpen>(), open, &handout)) ==
          "pin2_required");
    CHECK(call(*channelB, wire::nameOf<wire::SessionOpen>(), open, &handout).ok());
    const protocol::rpc::Response last = call(*channelB, wire::nameOf<wire::CardFinish>());
    REQUIRE(last.ok());
    CHECK((*last.result)["state"].asString() == "standby");
    // session.list is scoped to the caller.
    const protocol::rpc::Response listed = call(*channelA, wire::nameOf<wire::SessionList>());
    REQUIRE(listed.ok());
    CHECK((*listed.result)["sessions"].empty());
  }
}

}  // namespace hp::home_server::security
