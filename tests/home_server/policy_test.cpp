// Terminal policies (docs/proxy-architecture.md, "Terminal policies") on the real home card
// applet in this process: the gate in front of every method, purse.pay's limits per payment and
// per day with their reservations in SQLite, PIN-only payments up to the card's own cap, a till
// that sees nothing but "paid", a phone that may do everything, and the day's count across a
// crash. Every refusal must move nothing.
#include <doctest.h>
#include <unistd.h>

#include "host/home_server/card/card_home_card.hpp"
#include "host/home_server/purse/purse_methods.hpp"
#include "host/home_server/purse/reservation_reconcile.hpp"
#include "host/home_server/sessions/policy_gate.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/card_adapters/fixture.hpp"
#include "tests/home_server/test_bank.hpp"
#include "tests/support/temp_dir.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::home_server {

namespace {

namespace at = card_adapters::test;
using protocol::rpc::RpcError;

constexpr const char* kShopUrl = "https://localhost:8443/";
constexpr const char* kPhone = "phone-1";
constexpr const char* kTill = "till-1";
constexpr uint64_t kDay = 20'000;  // Unix day number of the test's clock

// The home card with a purse of 300.00 EUR (topped up by the phone with PIN2), the shop
// "localhost" in its registry, a policy store in a file with a till for that shop, and the
// channel's methods behind the policy gate. The card is back in standby (PIN1 only) at the end.
struct PolicyWorld {
  at::HomeCard homeCard;
  CardHomeCard card{*homeCard.client, tls_proxy::KeyType::kEcP256,
                    homeCard.client->readCardAuthKey().value(), "\"test reader\""};
  std::unique_ptr<base::Rng> rng = base::makeSeededRng(at::testSeed() ^ 0x7111);
  std::unique_ptr<base::EcKeyPair> shopKey = std::move(base::EcKeyPair::generate(*rng).value());
  test::TestBank bank{"bank", 1'000'000, at::testSeed() ^ 0xBA4D};
  hp::test::TempDir dir;  // removed with the world
  std::string dbPath = dir.file("policies.sqlite");
  std::unique_ptr<PolicyStore> policies;
  ServerLog log{LogLevel::kError, [](std::string_view) {}};
  uint64_t nowUnix = kDay * 86400 + 3600;
  uint64_t clockMs = 1'790'000'000'000;
  int requestCounter = 0;
  std::vector<std::string> tillPayments;
  std::unique_ptr<PendingVoucherStore> pending;
  std::unique_ptr<PurseService> service;
  base::ManualClock authorityClock;
  std::unique_ptr<SessionManager> sessions =
      std::make_unique<SessionManager>(SessionManagerConfig{}, card.signer(), log);
  AuthorityBook book{AuthorityLimits{}, authorityClock};
  std::unique_ptr<AuthorityGuard> authority =
      std::make_unique<AuthorityGuard>(book, card, *sessions, log);
  protocol::rpc::Dispatcher dispatcher;

  PolicyWorld() {
    REQUIRE(card.verifyPin1(std::string(at::kHomePin1))->kind == PinOutcome::Kind::kAccepted);
    REQUIRE(card.verifyPin2(std::string(at::kHomePin2))->kind == PinOutcome::Kind::kAccepted);
    authority->granted(kPhone);
    at::must(homeCard.client->purseInit("EUR", 100'000));
    at::mustOk(homeCard.client->registryAdd(card_adapters::HomeRegistry::kShops,
                                            bytesOf("localhost"), shopKey->publicPoint()));
    at::mustOk(homeCard.client->registryAdd(card_adapters::HomeRegistry::kBanks, bytesOf("bank"),
                                            bank.publicPoint()));
    bank.setCardPoint(
        at::must(homeCard.client->readPublicKey(card_adapters::HomeKeyRef::kEc)).point);
    pending = at::must(PendingVoucherStore::open(dir.file("pending.sqlite")));
    restart();
    REQUIRE(at::must(policies->get(kPhone)) == std::nullopt);  // a phone by default
    at::mustOk(policies->set(kTill, defaultPolicy("till", "localhost", nowUnix)));
    ok(kPhone, wire::nameOf<wire::PurseTopup>(),
       wire::PurseTopup::Params{"https://bank.test:9443", "alice", 300'00}.toJson());
    toStandby();
  }

  // The card leaves the crypto state: only PIN-only payments can go now.
  void toStandby() {
    authority->finished(kPhone);
    at::mustOk(card.finish());
    REQUIRE(card.status()->security == "standby");
  }

  // The daemon restarted: the store reopened from its file, the methods registered again.
  void restart() {
    policies.reset();
    policies = at::must(PolicyStore::open(dbPath));
    PurseServiceParts parts;
    parts.card = &card;
    parts.pending = pending.get();
    parts.log = &log;
    parts.verifyShop = [](const ShopUrl&) -> Result<void> { return {}; };
    parts.https = bank.call();
    parts.nowMs = [this] { return clockMs += 1000; };
    parts.newRequestId = [this] { return "req-" + std::to_string(++requestCounter); };
    service = std::make_unique<PurseService>(std::move(parts));
    dispatcher = protocol::rpc::Dispatcher();
    PayPolicy pay;
    pay.store = policies.get();
    pay.nowUnix = [this] { return nowUnix; };
    pay.nowMs = [this] { return clockMs; };
    pay.tillPaid = [this](const std::string& terminal) { tillPayments.push_back(terminal); };
    at::mustOk(registerPurseMethods(dispatcher, *service, log, *authority, pay));
    // The session and card methods' handlers are not under test here, only the gate before them.
    for (const char* name : {"card.status", "card.pin2", "session.open", "session.list",
                             "relay.request", "terminals.revoke"}) {
      at::mustOk(dispatcher.add(name, [](const Json::Value&, const protocol::rpc::CallContext&) {
        return Result<Json::Value, RpcError>(Json::Value(Json::objectValue));
      }));
    }
    dispatcher.setGate(policyGate(*policies, log, [this] { return nowUnix; }));
  }

  Result<Json::Value, RpcError> call(const std::string& terminal, const std::string& method,
                                     Json::Value params = Json::objectValue) {
    protocol::rpc::Request request;
    request.id = 1;
    request.method = method;
    request.params = std::move(params);
    protocol::rpc::Response response =
        dispatcher.dispatch(request, protocol::rpc::CallContext{terminal});
    if (response.ok()) return *response.result;
    return *response.error;
  }
  Json::Value ok(const std::string& terminal, const std::string& method,
                 Json::Value params = Json::objectValue) {
    auto result = call(terminal, method, std::move(params));
    if (!result) {
      REQUIRE_MESSAGE(false, (method + ": " + result.error().code + ": " + result.error().message));
    }
    return result.value();
  }
  std::string refused(const std::string& terminal, const std::string& method,
                      Json::Value params = Json::objectValue) {
    auto result = call(terminal, method, std::move(params));
    REQUIRE_MESSAGE(!result.ok(), (method + " was expected to fail"));
    CHECK_MESSAGE(!result.error().message.empty(), "an error says why");
    return result.error().code;
  }
  static Json::Value pay(const std::string& order, uint64_t amount, const char* url = kShopUrl) {
    return wire::PursePay::Params{url, order, "EUR", amount, std::nullopt}.toJson();
  }
  uint64_t balance() { return card.purseStatus()->balance; }
  uint32_t lastTxn() { return card.purseStatus()->lastTxn; }
  void grantPin2(const std::string& terminal) {
    REQUIRE(card.verifyPin2(std::string(at::kHomePin2))->kind == PinOutcome::Kind::kAccepted);
    authority->granted(terminal);
  }
};

}  // namespace

TEST_SUITE("policy") {
  TEST_CASE("a till pays its own shop with the access card PIN alone, and sees only 'paid'") {
    PolicyWorld world;
    const uint64_t before = world.balance();
    const Json::Value paid =
        world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("t-1", 3'50));
    CHECK(paid["balance"].asUInt64() == 0);     // the till is not told the balance
    CHECK_FALSE(paid.isMember("certificate"));  // none configured in this world
    CHECK(paid["txn"].asUInt() == world.lastTxn());
    CHECK(world.balance() == before - 3'50);
    CHECK(world.tillPayments == std::vector<std::string>{kTill});
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 3'50);
    // Above its PIN-only limit the till needs PIN2, given at the till for this terminal only.
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("t-2", 30'00)) ==
          "pin2_required");
    CHECK(world.balance() == before - 3'50);
    // Over the limit per payment: refused at once, no PIN2 asked for what cannot be paid.
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("t-3", 60'00)) ==
          "limit_exceeded");
    world.grantPin2(kTill);
    world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("t-2", 30'00));
    CHECK(world.balance() == before - 33'50);
  }

  TEST_CASE("over the limit per payment or per day: limit_exceeded, nothing moved") {
    PolicyWorld world;
    world.grantPin2(kTill);
    const uint64_t before = world.balance();
    const uint32_t txnBefore = world.lastTxn();
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("big", 50'01)) ==
          "limit_exceeded");
    CHECK(world.balance() == before);
    CHECK(world.lastTxn() == txnBefore);
    for (int i = 0; i < 4; ++i) {
      world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("d-" + std::to_string(i), 45'00));
    }
    const uint64_t afterFour = world.balance();
    CHECK(afterFour == before - 180'00);
    // 180.00 + 25.00 passes the day's 200.00: refused, nothing counted or moved.
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("d-4", 25'00)) ==
          "limit_exceeded");
    CHECK(world.balance() == afterFour);
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 180'00);
    world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("d-5", 20'00));  // exactly 200.00
    // The next UTC day starts afresh.
    world.nowUnix += 86400;
    world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("d-6", 25'00));
    // A refusal by the card releases the day's reservation: insufficient funds moves nothing.
    world.nowUnix += 86400;
    at::mustOk(world.policies->set(kTill, [&] {
      TerminalPolicy p = defaultPolicy("till", "localhost", world.nowUnix);
      p.perPayment = 0;
      p.perDay = 1'000'00;
      return p;
    }()));
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("huge", 999'00)) ==
          "insufficient_funds");
    CHECK(at::must(world.policies->spent(kTill, kDay + 2)) == 0);
  }

  TEST_CASE(
      "a till may not reach another shop, history, balance, relay, sessions elsewhere, top-up") {
    PolicyWorld world;
    world.grantPin2(kTill);
    const uint64_t before = world.balance();
    const uint32_t txnBefore = world.lastTxn();
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(),
                        world.pay("x-1", 1'00, "https://other.test/")) == "policy_denied");
    CHECK(world.refused(kTill, wire::nameOf<wire::PurseHistory>()) == "policy_denied");
    CHECK(world.refused(kTill, wire::nameOf<wire::PurseBalance>()) == "policy_denied");
    CHECK(world.refused(kTill, wire::nameOf<wire::PurseCancel>(),
                        wire::PurseCancel::Params{Bytes{1, 2, 3}}.toJson()) == "policy_denied");
    CHECK(world.refused(
              kTill, wire::nameOf<wire::PurseTopup>(),
              wire::PurseTopup::Params{"https://bank.test:9443", "alice", 10'00}.toJson()) ==
          "policy_denied");
    Json::Value relay;
    relay["url"] = kShopUrl;
    CHECK(world.refused(kTill, wire::nameOf<wire::RelayRequest>(), relay) == "policy_denied");
    Json::Value elsewhere;
    elsewhere["url"] = "https://other.test/";
    CHECK(world.refused(kTill, wire::nameOf<wire::SessionOpen>(), elsewhere) == "policy_denied");
    CHECK(world.refused(kTill, wire::nameOf<wire::SessionList>()) == "policy_denied");
    Json::Value victim;
    victim["id"] = kPhone;
    CHECK(world.refused(kTill, wire::nameOf<wire::TerminalsRevoke>(), victim) == "policy_denied");
    // Not even a session with its own shop (the till has its own); the card methods it has.
    Json::Value own;
    own["url"] = kShopUrl;
    CHECK(world.refused(kTill, wire::nameOf<wire::SessionOpen>(), own) == "policy_denied");
    world.ok(kTill, wire::nameOf<wire::CardStatus>());
    CHECK(world.balance() == before);
    CHECK(world.lastTxn() == txnBefore);
  }

  TEST_CASE("a phone may do all of them") {
    PolicyWorld world;
    world.grantPin2(kPhone);
    world.ok(kPhone, wire::nameOf<wire::PursePay>(), world.pay("p-1", 120'00));  // no limits
    CHECK(world.ok(kPhone, wire::nameOf<wire::PurseBalance>())["balance"].asUInt64() == 180'00);
    CHECK(world.ok(kPhone, wire::nameOf<wire::PurseHistory>())["entries"].size() == 2);
    world.ok(kPhone, wire::nameOf<wire::PurseTopup>(),
             wire::PurseTopup::Params{"https://bank.test:9443", "alice", 10'00}.toJson());
    Json::Value url;
    url["url"] = "https://other.test/";
    world.ok(kPhone, wire::nameOf<wire::RelayRequest>(), url);
    world.ok(kPhone, wire::nameOf<wire::SessionOpen>(), url);
    world.ok(kPhone, wire::nameOf<wire::SessionList>());
    Json::Value victim;
    victim["id"] = kTill;
    world.ok(kPhone, wire::nameOf<wire::TerminalsRevoke>(), victim);
    // A phone needs PIN2 for every payment, however small.
    world.toStandby();
    CHECK(world.refused(kPhone, wire::nameOf<wire::PursePay>(), world.pay("p-2", 1'00)) ==
          "pin2_required");
    CHECK(world.tillPayments.empty());
  }

  TEST_CASE("the day's count survives a restart; an identical retry is not counted twice") {
    PolicyWorld world;
    world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("r-1", 15'00));
    // A crash between the reservation and the DEBIT: the reservation is on disk, the card has
    // not paid. After the restart the identical retry pays once and counts once.
    const PaymentKey key{kTill, "localhost", "r-2"};
    REQUIRE(at::must(world.policies->reserve(key, "EUR", 12'00, kDay, 200'00, world.clockMs)) ==
            Reservation::kReserved);
    const uint64_t before = world.balance();
    world.restart();
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 27'00);
    const Json::Value paid =
        world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("r-2", 12'00));
    CHECK(world.balance() == before - 12'00);
    // And its answer lost: the same again answers the same txn, nothing moves or counts.
    const Json::Value again =
        world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("r-2", 12'00));
    CHECK(again["txn"] == paid["txn"]);
    CHECK(again["payment"] == paid["payment"]);
    CHECK(world.balance() == before - 12'00);
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 27'00);
    // The policy itself came back from the file.
    CHECK(world.policies->effective(kTill).kind == "till");
    CHECK(world.policies->effective(kTill).shops == std::vector<std::string>{"localhost"});
  }

  TEST_CASE("a crash between reservation and the card's answer: the card's log settles it") {
    PolicyWorld world;
    // Two payments reserved, then the server dies (kill -9) before the card's answer was
    // recorded: the card paid the first (its DEBIT ran, the answer was lost), not the second.
    const PaymentKey paidKey{kTill, "localhost", "k-1"}, lostKey{kTill, "localhost", "k-2"};
    REQUIRE(at::must(world.policies->reserve(paidKey, "EUR", 12'00, kDay, 200'00, world.clockMs)) ==
            Reservation::kReserved);
    REQUIRE(at::must(world.policies->reserve(lostKey, "EUR", 10'00, kDay, 200'00, world.clockMs)) ==
            Reservation::kReserved);
    auto record = world.card.purseDebit(world.clockMs + 1, bytesOf("localhost"), bytesOf("k-1"),
                                        "EUR", 12'00);
    REQUIRE(record.ok());
    const uint32_t paidTxn = world.lastTxn();
    const uint64_t balance = world.balance();
    world.restart();  // the in-flight marks died with the process
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 22'00);
    CHECK(at::must(world.policies->openReservations()).size() == 2);
    const ReconcileReport report = at::must(reconcileWithCard(*world.policies, *world.service));
    CHECK(report.completed == 1);
    CHECK(report.released == 1);
    CHECK(report.undecided == 0);
    // Counted: what the card paid, once; the lost one no longer holds the day's limit.
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 12'00);
    CHECK(at::must(world.policies->openReservations()).empty());
    // The till's identical retry of the paid order: the same record, nothing moves or counts.
    const Json::Value again =
        world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("k-1", 12'00));
    CHECK(again["txn"].asUInt() == paidTxn);
    CHECK(world.balance() == balance);
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 12'00);
    // A conflicting retry (the same order, another amount) is refused before the card.
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("k-1", 13'00)) ==
          "conflict");
    CHECK(world.balance() == balance);
    CHECK(world.lastTxn() == paidTxn);
    // The released order pays afresh, counted once.
    world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("k-2", 10'00));
    CHECK(world.balance() == balance - 10'00);
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 22'00);
    // Nothing open: the card is not even asked.
    const uint32_t txn = world.lastTxn();
    CHECK(at::must(reconcileWithCard(*world.policies, *world.service)).released == 0);
    CHECK(world.lastTxn() == txn);
  }

  TEST_CASE("a reservation never answered before a crash holds no conflicting amount") {
    // Before: a reservation left open by a crash (never paid) let a retry with another amount
    // through to the card, which paid it while the day counted the first amount.
    PolicyWorld world;
    const PaymentKey key{kTill, "localhost", "c-1"};
    REQUIRE(at::must(world.policies->reserve(key, "EUR", 5'00, kDay, 200'00, world.clockMs)) ==
            Reservation::kReserved);
    world.restart();
    const uint64_t before = world.balance();
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("c-1", 20'00)) ==
          "conflict");
    CHECK(world.balance() == before);
    CHECK(at::must(world.policies->spent(kTill, kDay)) == 5'00);
  }

  TEST_CASE("an expired policy refuses every request") {
    PolicyWorld world;
    world.nowUnix = world.policies->effective(kTill).expires + 1;
    CHECK(world.refused(kTill, wire::nameOf<wire::CardStatus>()) == "policy_denied");
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("e-1", 1'00)) ==
          "policy_denied");
    world.ok(kPhone, wire::nameOf<wire::CardStatus>());
  }

  TEST_CASE("the card's PIN-only total stops a server without a day limit; PIN2 resets it") {
    PolicyWorld world;
    protocol::rpc::TerminalPolicy generous = defaultPolicy("till", "localhost", world.nowUnix);
    generous.perDay = 0;  // a home server that bounds nothing per day (a bug, or compromised)
    generous.pinOnlyMax = protocol::purse::kPinOnlyDebitMax;
    at::mustOk(world.policies->set(kTill, generous));
    const uint64_t before = world.balance();
    world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("s-1", 25'00));
    world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("s-2", 25'00));
    // The card refuses the third with 6982: the till is told pin2_required and asks for PIN2.
    CHECK(world.refused(kTill, wire::nameOf<wire::PursePay>(), world.pay("s-3", 1'00)) ==
          "pin2_required");
    CHECK(world.balance() == before - protocol::purse::kPinOnlyCumulativeMax);
    world.grantPin2(kTill);
    world.ok(kTill, wire::nameOf<wire::PursePay>(), world.pay("s-3", 1'00));
    CHECK(world.balance() == before - protocol::purse::kPinOnlyCumulativeMax - 1'00);
  }

  TEST_CASE("the card pays without PIN2 only up to its own cap, whatever the server asks") {
    PolicyWorld world;
    const uint64_t before = world.balance();
    auto over = world.card.purseDebit(1, bytesOf("localhost"), bytesOf("cap-1"), "EUR",
                                      protocol::purse::kPinOnlyDebitMax + 1);
    CHECK_FALSE(over.ok());
    CHECK(world.balance() == before);
    auto within = world.card.purseDebit(2, bytesOf("localhost"), bytesOf("cap-2"), "EUR",
                                        protocol::purse::kPinOnlyDebitMax);
    CHECK(within.ok());
    CHECK(world.balance() == before - protocol::purse::kPinOnlyDebitMax);
    // A policy cannot promise more than the card keeps.
    Json::Value json = defaultPolicy("till", "localhost", 0).toJson();
    json["pin_only_max"] = Json::UInt64(protocol::purse::kPinOnlyDebitMax + 1);
    CHECK_FALSE(TerminalPolicy::fromJson(json).ok());
    json["pin_only_max"] = 1.5;
    CHECK_FALSE(TerminalPolicy::fromJson(json).ok());
  }
}

}  // namespace hp::home_server
