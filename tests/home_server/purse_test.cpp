// The purse.* RPC methods on the real home card applet in this process (tests/card_adapters'
// fixture) with a test bank: value moves only as the contract says, every refusal comes back
// as a clear error code and moves nothing, and unfinished top-ups survive a restart and are
// credited exactly once.
#include <doctest.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "host/home_server/card/card_home_card.hpp"
#include "host/home_server/purse/payment_notices.hpp"
#include "host/home_server/purse/pending_vouchers.hpp"
#include "host/home_server/purse/purse_errors.hpp"
#include "host/home_server/purse/purse_methods.hpp"
#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/methods.hpp"
#include "tests/card_adapters/fixture.hpp"
#include "tests/home_server/test_bank.hpp"
#include "tests/support/temp_dir.hpp"

namespace wire = hp::protocol::rpc;

namespace hp::home_server {

namespace {

namespace at = card_adapters::test;
namespace purse = protocol::purse;
using protocol::rpc::RpcError;

constexpr uint64_t kMaxBalance = 100'000;
constexpr const char* kShopUrl = "https://localhost:8443/";
constexpr const char* kBankUrl = "https://bank.test:9443";

// Everything a purse test needs: the personalized home card with a purse (EUR, maximum
// 1000.00), a shop "localhost" and the bank in its registries, the test bank, a pending
// voucher store in a file, and the methods on a dispatcher.
struct PurseWorld {
  at::HomeCard homeCard;
  CardHomeCard card{*homeCard.client, tls_proxy::KeyType::kEcP256,
                    homeCard.client->readCardAuthKey().value(), "\"test reader\""};
  std::unique_ptr<base::Rng> rng = base::makeSeededRng(at::testSeed() ^ 0x9075E);
  std::unique_ptr<base::EcKeyPair> shopKey = std::move(base::EcKeyPair::generate(*rng).value());
  std::unique_ptr<base::EcKeyPair> strangerKey = std::move(base::EcKeyPair::generate(*rng).value());
  test::TestBank bank{"bank", 1'000'000, at::testSeed() ^ 0xBA4C};
  hp::test::TempDir dir;  // removed with the world
  std::string dbPath = dir.file("pending.sqlite");
  std::unique_ptr<PendingVoucherStore> pending;
  ServerLog log{LogLevel::kError, [](std::string_view) {}};
  std::vector<std::string> verifiedShops;
  bool shopVerifies = true;
  int changes = 0;
  uint64_t clockMs = 1'790'000'000'000;
  int requestCounter = 0;
  std::unique_ptr<PurseService> service;
  protocol::rpc::Dispatcher dispatcher;
  Bytes cardPoint;
  // The PIN2 authority of the calling terminal (authority_guard.hpp), as card.pin2 gives it.
  base::ManualClock authorityClock;
  std::unique_ptr<SessionManager> sessions =
      std::make_unique<SessionManager>(SessionManagerConfig{}, card.signer(), log);
  AuthorityBook book{AuthorityLimits{}, authorityClock};
  std::unique_ptr<AuthorityGuard> authority =
      std::make_unique<AuthorityGuard>(book, card, *sessions, log);

  PurseWorld() {
    REQUIRE(card.verifyPin1(std::string(at::kHomePin1))->kind == PinOutcome::Kind::kAccepted);
    REQUIRE(card.verifyPin2(std::string(at::kHomePin2))->kind == PinOutcome::Kind::kAccepted);
    authority->granted("test-terminal");
    at::must(homeCard.client->purseInit("EUR", kMaxBalance));
    at::mustOk(homeCard.client->registryAdd(card_adapters::HomeRegistry::kShops,
                                            bytesOf("localhost"), shopKey->publicPoint()));
    at::mustOk(homeCard.client->registryAdd(card_adapters::HomeRegistry::kBanks, bytesOf("bank"),
                                            bank.publicPoint()));
    cardPoint = at::must(homeCard.client->readPublicKey(card_adapters::HomeKeyRef::kEc)).point;
    bank.setCardPoint(cardPoint);
    restart();
  }

  // A fresh service over the same card and the same store file: the daemon restarted.
  void restart() {
    service.reset();
    pending.reset();
    pending = at::must(PendingVoucherStore::open(dbPath));
    PurseServiceParts parts;
    parts.card = &card;
    parts.pending = pending.get();
    parts.log = &log;
    parts.verifyShop = [this](const ShopUrl& url) -> Result<void> {
      verifiedShops.push_back(url.host);
      if (!shopVerifies) return makeError("certificate verify failed (test)");
      return {};
    };
    parts.https = bank.call();
    parts.nowMs = [this] { return clockMs += 1000; };
    parts.newRequestId = [this] {
      return "req-" + std::to_string(++requestCounter) + "-" + std::to_string(::getpid());
    };
    parts.purseChanged = [this] { ++changes; };
    service = std::make_unique<PurseService>(std::move(parts));
    dispatcher = protocol::rpc::Dispatcher();
    at::mustOk(registerPurseMethods(dispatcher, *service, log, *authority));
  }

  Result<Json::Value, RpcError> call(const std::string& method,
                                     Json::Value params = Json::objectValue) {
    protocol::rpc::Request request;
    request.id = 1;
    request.method = method;
    request.params = std::move(params);
    protocol::rpc::Response response =
        dispatcher.dispatch(request, protocol::rpc::CallContext{"test-terminal"});
    if (response.ok()) return *response.result;
    return *response.error;
  }

  Json::Value ok(const std::string& method, Json::Value params = Json::objectValue) {
    auto result = call(method, std::move(params));
    if (!result)
      REQUIRE_MESSAGE(false, (method + ": " + result.error().code + ": " + result.error().message));
    return result.value();
  }

  // The error code of a call that must fail.
  std::string refused(const std::string& method, Json::Value params) {
    auto result = call(method, std::move(params));
    REQUIRE_MESSAGE(!result.ok(), (method + " was expected to fail"));
    CHECK_MESSAGE(!result.error().message.empty(), "an error says why");
    return result.error().code;
  }

  uint64_t balance() { return ok(wire::nameOf<wire::PurseBalance>())["balance"].asUInt64(); }
  size_t logSize() { return ok(wire::nameOf<wire::PurseHistory>())["entries"].size(); }
  std::array<uint8_t, 8> purseId() { return card.purseStatus()->purseId; }

  // Well-formed params through the contract's types; tests that break them edit the JSON.
  Json::Value payParams(const std::string& order, uint64_t amount, const char* url = kShopUrl) {
    return wire::PursePay::Params{url, order, "EUR", amount, std::nullopt}.toJson();
  }

  Json::Value topupParams(uint64_t amount) {
    return wire::PurseTopup::Params{kBankUrl, "alice", amount}.toJson();
  }

  // The shop's signed cancellation of a payment (by its txn).
  Bytes cancellation(uint32_t txn, const std::string& order, uint64_t amount,
                     base::EcKeyPair* signer = nullptr, const std::string& shopId = "localhost",
                     std::optional<std::array<uint8_t, 8>> otherPurse = std::nullopt) {
    purse::Cancellation c;
    c.shopId = bytesOf(shopId);
    c.purseId = otherPurse ? *otherPurse : purseId();
    c.txn = txn;
    c.orderRef = bytesOf(order);
    c.currency = "EUR";
    c.amount = amount;
    const Bytes body = purse::encode(c);
    auto signature = (signer ? signer : shopKey.get())
                         ->signHash(purse::signedHash(purse::kCancellationLabel, body), *rng);
    return purse::appendSignature(body, signature.value());
  }

  Json::Value cancelParams(ByteView signedCancellation) {
    return wire::PurseCancel::Params{Bytes(signedCancellation.begin(), signedCancellation.end())}
        .toJson();
  }

  // Conservation (docs/emoney.md): card balance = credits - debits + refunds, and the bank
  // settled exactly the credits.
  void checkConservation() {
    int64_t credits = 0, debits = 0, refunds = 0;
    const Json::Value history = ok(wire::nameOf<wire::PurseHistory>());
    for (const auto& entry : history["entries"]) {
      const auto amount = static_cast<int64_t>(entry["amount"].asUInt64());
      const std::string kind = entry["kind"].asString();
      if (kind == "credit") credits += amount;
      if (kind == "debit") debits += amount;
      if (kind == "refund") refunds += amount;
    }
    CHECK(static_cast<int64_t>(balance()) == credits - debits + refunds);
    CHECK(bank.settledTotal() == static_cast<uint64_t>(credits));
  }
};

// Keeps every mail "sent" (the SMTP side is host/notices' own tests).
class RecordingSender final : public notices::MailSender {
 public:
  Result<void> send(const notices::MailMessage& message) override {
    std::lock_guard lock(mutex_);
    texts_.push_back(message.text);
    return {};
  }
  std::vector<std::string> texts() {
    std::lock_guard lock(mutex_);
    return texts_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> texts_;
};

}  // namespace

TEST_SUITE("purse") {
  TEST_CASE(
      "a fresh purse: balance 0, empty history; top-up, pay, cancel move exactly the amounts") {
    PurseWorld world;
    Json::Value balance = world.ok(wire::nameOf<wire::PurseBalance>());
    CHECK(balance["currency"] == "EUR");
    CHECK(balance["balance"].asUInt64() == 0);
    CHECK(balance["max"].asUInt64() == kMaxBalance);
    CHECK(balance["last_txn"].asUInt() == 0);
    CHECK(world.ok(wire::nameOf<wire::PurseHistory>())["entries"].empty());

    Json::Value topup = world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(50'00));
    CHECK(topup["balance"].asUInt64() == 50'00);
    CHECK(topup["txn"].asUInt() == 1);
    CHECK(topup["settled"].asBool());
    CHECK(topup["voucher_id"].asString().size() == 32);
    CHECK(world.bank.settledTotal() == 50'00);
    CHECK(world.bank.accountBalance() == 1'000'000 - 50'00);
    CHECK(world.pending->all()->empty());

    Json::Value paid = world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-1", 12'34));
    CHECK(paid["balance"].asUInt64() == 50'00 - 12'34);
    CHECK(paid["txn"].asUInt() == 2);
    CHECK(world.verifiedShops == std::vector<std::string>{"localhost"});
    // The payment record is the card's, signed with the key of the user's TLS certificate.
    auto record = protocol::rpc::base64Decode(paid["payment"].asString());
    REQUIRE(record);
    auto parts = purse::splitSigned(*record);
    REQUIRE(parts);
    CHECK(purse::verifySigned(world.cardPoint, purse::kRecordLabel, *parts));
    auto decoded = purse::decodePurseRecord(parts->body);
    REQUIRE(decoded);
    CHECK(decoded->entry.kind == purse::EntryKind::kDebit);
    CHECK(decoded->entry.party == bytesOf("localhost"));
    CHECK(decoded->entry.reference == bytesOf("order-1"));
    CHECK(decoded->entry.amount == 12'34);
    // A shop checking an altered record (the amount lowered in transit) finds it forged.
    Bytes altered = parts->body;
    auto lowered = *decoded;
    lowered.entry.amount = 1;
    altered = purse::encode(lowered);
    CHECK_FALSE(purse::verifySigned(world.cardPoint, purse::kRecordLabel,
                                    purse::SignedParts{altered, parts->signature}));

    // An identical retry answers the same record and moves nothing.
    Json::Value again = world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-1", 12'34));
    CHECK(again["payment"] == paid["payment"]);
    CHECK(world.balance() == 50'00 - 12'34);

    Json::Value refund = world.ok(wire::nameOf<wire::PurseCancel>(),
                                  world.cancelParams(world.cancellation(2, "order-1", 12'34)));
    CHECK(refund["refunded"].asUInt64() == 12'34);
    CHECK(refund["balance"].asUInt64() == 50'00);
    CHECK(refund["txn"].asUInt() == 3);
    // The card's signed refund record, for the shop's cancel/confirm.
    auto refundRecord = protocol::rpc::base64Decode(refund["refund"].asString());
    REQUIRE(refundRecord.has_value());
    auto refundParts = purse::splitSigned(*refundRecord);
    REQUIRE(refundParts.has_value());
    CHECK(purse::verifySigned(world.cardPoint, purse::kRecordLabel, *refundParts));
    auto refundDecoded = purse::decodePurseRecord(refundParts->body);
    REQUIRE(refundDecoded.has_value());
    CHECK(refundDecoded->entry.kind == purse::EntryKind::kRefund);
    CHECK(refundDecoded->entry.txn == 3);
    CHECK(refundDecoded->entry.relatedTxn == 2);
    CHECK(refundDecoded->entry.reference == bytesOf("order-1"));

    Json::Value entries = world.ok(wire::nameOf<wire::PurseHistory>())["entries"];
    REQUIRE(entries.size() == 3);
    CHECK(entries[0]["kind"] == "credit");
    CHECK(entries[0]["party"] == "bank");
    CHECK(entries[0]["reference"] == topup["voucher_id"]);
    CHECK(entries[0]["related_txn"].asUInt() == 1);
    CHECK(entries[1]["kind"] == "debit");
    CHECK(entries[1]["party"] == "localhost");
    CHECK(entries[1]["reference"] == "order-1");
    CHECK(entries[2]["kind"] == "refund");
    CHECK(entries[2]["related_txn"].asUInt() == 2);
    Json::Value from;
    from["from_txn"] = 3;
    CHECK(world.ok(wire::nameOf<wire::PurseHistory>(), from)["entries"].size() == 1);
    CHECK(world.changes == 3);  // notices are kicked once per movement, not for the retry
    world.checkConservation();
  }

  TEST_CASE("a DEBIT applied but its answer lost to a card restart: the retry answers it") {
    // What `terminal pay URL ORDER_REF` relies on (docs/emoney.md, "Crash recovery").
    PurseWorld world;
    world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(50'00));
    // The DEBIT reaches the card and is applied; the card loses power before the answer comes.
    auto applied = world.homeCard.client->debit(1'790'000'000'001, bytesOf("localhost"),
                                                bytesOf("order-lost"), "EUR", 7'00);
    REQUIRE(applied.ok());
    REQUIRE(world.homeCard.transport->reset().ok());
    REQUIRE(world.homeCard.client->select().ok());
    // The restarted card has forgotten PIN1 and PIN2: nothing moves until they are given again.
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), world.payParams("order-lost", 7'00)) ==
          "pin1_required");
    REQUIRE(world.card.verifyPin1(std::string(at::kHomePin1))->kind == PinOutcome::Kind::kAccepted);
    REQUIRE(world.card.verifyPin2(std::string(at::kHomePin2))->kind == PinOutcome::Kind::kAccepted);
    world.authority->granted("test-terminal");  // what card.pin2 does
    CHECK(world.balance() == 50'00 - 7'00);
    // The same order with the same amount (what the shop's order says): the original record.
    Json::Value paid =
        world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-lost", 7'00));
    auto record = protocol::rpc::base64Decode(paid["payment"].asString());
    REQUIRE(record);
    CHECK(*record == *applied);
    CHECK(paid["txn"].asUInt() == 2);
    CHECK(paid["balance"].asUInt64() == 50'00 - 7'00);
    CHECK(world.balance() == 50'00 - 7'00);
    // A DEBIT that never reached the card is simply made by the retry.
    Json::Value fresh =
        world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-never-sent", 3'00));
    CHECK(fresh["txn"].asUInt() == 3);
    CHECK(world.balance() == 50'00 - 10'00);
    world.checkConservation();
  }

  TEST_CASE("refusals of payments: a clear code, nothing moves") {
    PurseWorld world;
    world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(20'00));
    world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-1", 5'00));
    const uint64_t before = world.balance();
    const size_t logBefore = world.logSize();

    CHECK(world.refused(wire::nameOf<wire::PursePay>(), world.payParams("order-2", 15'01)) ==
          "insufficient_funds");
    // The order names another shop than the host the home server verified.
    Json::Value mismatch = world.payParams("order-3", 1'00);
    mismatch["shop_id"] = "evil.example";
    world.verifiedShops.clear();
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), mismatch) == "shop_mismatch");
    CHECK(world.verifiedShops.empty());
    // The shop's certificate did not verify for its host name.
    world.shopVerifies = false;
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), world.payParams("order-4", 1'00)) ==
          "upstream_error");
    world.shopVerifies = true;
    // A verified shop that is not in the card's registry.
    CHECK(world.refused(wire::nameOf<wire::PursePay>(),
                        world.payParams("order-5", 1'00, "https://other.test/")) ==
          "unknown_party");
    // The same order again with another amount: a conflicting retry.
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), world.payParams("order-1", 4'00)) ==
          "conflict");
    // Malformed parameters never reach the card.
    Json::Value badCurrency = world.payParams("order-6", 1'00);
    badCurrency["currency"] = "eur";
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), badCurrency) == "invalid_params");
    Json::Value zero = world.payParams("order-7", 1);
    zero["amount"] = 0;
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), zero) == "invalid_params");
    Json::Value typo = world.payParams("order-8", 1);
    typo["amout"] = 1;
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), typo) == "invalid_params");
    // Another currency than the purse's: the card refuses it as invalid.
    Json::Value usd = world.payParams("order-9", 1'00);
    usd["currency"] = "USD";
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), usd) == "invalid");

    CHECK(world.balance() == before);
    CHECK(world.logSize() == logBefore);
    world.checkConservation();
  }

  TEST_CASE("a top-up that never reaches the card expires: dropped, nothing charged") {
    PurseWorld world;
    world.ok(wire::nameOf<wire::PurseTopup>(),
             world.topupParams(990'00));  // credit_seq 1, 10.00 below the maximum
    // A voucher for the next slot that the card refuses for now (over the maximum): kept.
    purse::Voucher next;
    next.bankId = bytesOf("bank");
    next.purseId = world.purseId();
    next.voucherId.fill(0x5A);
    next.creditSeq = 2;
    next.currency = "EUR";
    next.amount = 50'00;
    PendingVoucher row;
    row.requestId = "stuck-1";
    row.bankUrl = kBankUrl;
    row.account = "alice";
    row.purseIdHex = toHex(world.purseId());
    row.creditSeq = 2;
    row.currency = "EUR";
    row.amount = 50'00;
    row.createdMs = static_cast<int64_t>(world.clockMs);
    row.voucher = world.bank.signVoucher(next);
    at::mustOk(world.pending->add(row));
    // Before the expiry it is kept, retried, and blocks a new top-up (the same card slot).
    CHECK(at::must(world.service->reconcile()) == 0);
    CHECK(world.pending->all()->size() == 1);
    CHECK(world.refused(wire::nameOf<wire::PurseTopup>(), world.topupParams(5'00)) ==
          "topup_pending");
    // After 20 minutes without reaching the card: dropped; nothing credited or charged.
    world.clockMs += 20 * 60 * 1000;
    CHECK(at::must(world.service->reconcile()) == 0);
    CHECK(world.pending->all()->empty());
    CHECK(world.balance() == 990'00);
    CHECK(world.bank.settledTotal() == 990'00);
  }

  TEST_CASE("moneyText: minor units as the user reads them") {
    CHECK(moneyText(95000, "EUR") == "950.00 EUR");
    CHECK(moneyText(5, "EUR") == "0.05 EUR");
    CHECK(moneyText(100, "") == "1.00");
  }

  TEST_CASE(
      "cancellations: a duplicate answers the original refund; someone else's, forged refused") {
    PurseWorld world;
    world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(30'00));
    world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-1", 7'00));  // txn 2
    world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-2", 3'00));  // txn 3
    const Json::Value first = world.ok(wire::nameOf<wire::PurseCancel>(),
                                       world.cancelParams(world.cancellation(2, "order-1", 7'00)));
    const uint64_t before = world.balance();
    const size_t logBefore = world.logSize();

    // The same cancellation again (its answer lost in a crash): the original refund record,
    // nothing moves, so `terminal refund` can still hand the record to the shop.
    const Json::Value duplicate =
        world.ok(wire::nameOf<wire::PurseCancel>(),
                 world.cancelParams(world.cancellation(2, "order-1", 7'00)));
    CHECK(duplicate["refund"] == first["refund"]);
    CHECK(duplicate["txn"].asUInt() == 4);
    CHECK(world.balance() == before);
    CHECK(world.logSize() == logBefore);
    // Someone else's payment: no debit with this txn and order here.
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(),
                        world.cancelParams(world.cancellation(9, "order-x", 3'00))) ==
          "unknown_payment");
    // Another card's payment (its purse ID), validly signed by the shop.
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(),
                        world.cancelParams(
                            world.cancellation(3, "order-2", 3'00, nullptr, "localhost",
                                               std::array<uint8_t, 8>{1, 2, 3}))) == "invalid");
    // The right txn but another order or amount than the card paid.
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(),
                        world.cancelParams(world.cancellation(3, "order-1", 3'00))) ==
          "unknown_payment");
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(),
                        world.cancelParams(world.cancellation(3, "order-2", 9'00))) ==
          "unknown_payment");
    // A cancellation the shop did not sign.
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(),
                        world.cancelParams(world.cancellation(
                            3, "order-2", 3'00, world.strangerKey.get()))) == "invalid");
    // A shop the card does not know.
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(),
                        world.cancelParams(world.cancellation(3, "order-2", 3'00, nullptr,
                                                              "other.test"))) == "unknown_payment");
    Json::Value garbage;
    garbage["cancellation"] = protocol::rpc::base64Encode(bytesOf("not a cancellation"));
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(), garbage) == "invalid");
    garbage["cancellation"] = "***";
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(), garbage) == "invalid_params");

    CHECK(world.balance() == before);
    CHECK(world.logSize() == logBefore);
    world.checkConservation();
  }

  TEST_CASE("refusals of top-ups: forged and replayed vouchers, over the maximum, bank refusals") {
    PurseWorld world;
    world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(10'00));
    const uint64_t before = world.balance();
    const size_t logBefore = world.logSize();
    const uint64_t bankBefore = world.bank.accountBalance();

    // A voucher signed with a key the card does not trust: refused, the request forgotten,
    // the bank never charged.
    world.bank.forge = true;
    CHECK(world.refused(wire::nameOf<wire::PurseTopup>(), world.topupParams(5'00)) == "invalid");
    world.bank.forge = false;
    CHECK(world.pending->all()->empty());

    // A replayed voucher: the one already taken answers its original record, no second credit.
    const auto history = world.ok(wire::nameOf<wire::PurseHistory>())["entries"];
    purse::Voucher used;
    used.bankId = bytesOf("bank");
    used.purseId = world.purseId();
    auto voucherId = fromHex(history[0]["reference"].asString());
    REQUIRE(voucherId);
    std::copy(voucherId->begin(), voucherId->end(), used.voucherId.begin());
    used.creditSeq = 1;
    used.currency = "EUR";
    used.amount = 10'00;
    const Bytes replay = world.bank.signVoucher(used);
    auto first = world.card.purseCredit(1, replay);
    REQUIRE(first.ok());
    CHECK(world.balance() == before);
    // A fresh voucher for a slot already used: already_used, dropped by reconciliation.
    purse::Voucher stale = used;
    stale.voucherId[0] ^= 0xFF;
    PendingVoucher row;
    row.requestId = "stale-1";
    row.bankUrl = kBankUrl;
    row.account = "alice";
    row.purseIdHex = toHex(world.purseId());
    row.creditSeq = 1;
    row.currency = "EUR";
    row.amount = 10'00;
    row.voucher = world.bank.signVoucher(stale);
    at::mustOk(world.pending->add(row));
    auto staleCredit = world.card.purseCredit(2, row.voucher);
    REQUIRE_FALSE(staleCredit.ok());
    CHECK(purseError(PurseOperation::kCredit, staleCredit.error(), "v").code == "already_used");
    CHECK(at::must(world.service->reconcile()) == 0);
    CHECK(world.pending->all()->empty());

    // Over the maximum: refused before the bank is asked.
    const size_t bankRequests = world.bank.requests();
    CHECK(world.refused(wire::nameOf<wire::PurseTopup>(), world.topupParams(kMaxBalance)) ==
          "over_maximum");
    CHECK(world.bank.requests() == bankRequests);
    // In the user's terms: major units and the currency, as typed (issue 10 item 4).
    {
      auto over = world.call(wire::nameOf<wire::PurseTopup>(), world.topupParams(kMaxBalance));
      REQUIRE_FALSE(over.ok());
      CAPTURE(over.error().message);
      CHECK(over.error().message.find("top-up: 1000.00 EUR would take the purse over its "
                                      "maximum of 1000.00 EUR (balance ") == 0);
    }
    // Nothing of the refused vouchers was charged.
    CHECK(world.bank.accountBalance() == bankBefore);
    CHECK(world.bank.settledTotal() == 10'00);
    // The bank refuses (the account cannot cover it): its reason comes back.
    world.bank = test::TestBank("bank", 0, 8);  // an empty account
    world.bank.setCardPoint(world.cardPoint);
    auto refusedByBank = world.call(wire::nameOf<wire::PurseTopup>(), world.topupParams(90'00));
    REQUIRE_FALSE(refusedByBank.ok());
    CHECK(refusedByBank.error().code == "bank_refused");
    CHECK(refusedByBank.error().message.find("insufficient_balance") != std::string::npos);
    CHECK(world.pending->all()->empty());

    CHECK(world.balance() == before);
    CHECK(world.logSize() == logBefore);
  }

  TEST_CASE("without PIN2 nothing moves and the bank is not asked") {
    PurseWorld world;
    world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(10'00));
    world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-1", 2'00));
    REQUIRE(world.card.finish().ok());
    const size_t bankRequests = world.bank.requests();
    CHECK(world.refused(wire::nameOf<wire::PursePay>(), world.payParams("order-2", 1'00)) ==
          "pin2_required");
    CHECK(world.refused(wire::nameOf<wire::PurseTopup>(), world.topupParams(1'00)) ==
          "pin2_required");
    CHECK(world.bank.requests() == bankRequests);
    CHECK(world.refused(wire::nameOf<wire::PurseCancel>(),
                        world.cancelParams(world.cancellation(2, "order-1", 2'00))) ==
          "pin2_required");
    // Balance and history need only PIN1.
    CHECK(world.balance() == 8'00);
    CHECK(world.logSize() == 2);
  }

  TEST_CASE("an unfinished top-up survives a restart and is credited exactly once") {
    PurseWorld world;
    SUBCASE("the bank's confirmation was lost") {
      world.bank.loseConfirmAnswers = 1;
      Json::Value topup = world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(25'00));
      CHECK_FALSE(topup["settled"].asBool());
      CHECK(world.balance() == 25'00);  // the card has it; the bank has not settled yet
      CHECK(world.bank.settledTotal() == 0);
      REQUIRE(world.pending->all()->size() == 1);
      CHECK_FALSE(world.pending->all()->front().record.empty());
    }
    SUBCASE("the voucher was issued but its answer lost") {
      world.bank.loseIssueAnswers = 1;
      CHECK(world.refused(wire::nameOf<wire::PurseTopup>(), world.topupParams(25'00)) ==
            "upstream_error");
      CHECK(world.balance() == 0);
      REQUIRE(world.pending->all()->size() == 1);
      CHECK(world.pending->all()->front().voucher.empty());
      CHECK(world.bank.issuedCount() == 1);
    }
    SUBCASE("the card took the voucher but the record was never stored (crash)") {
      world.bank.loseConfirmAnswers = 1;
      world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(25'00));
      // Undo the store's knowledge of the credit: the state right after CREDIT, before
      // setRecord reached the disk.
      auto row = world.pending->all()->front();
      at::mustOk(world.pending->setRecord(row.requestId, {}));
    }
    world.restart();
    const size_t settledRuns = at::must(world.service->reconcile());
    CHECK(settledRuns == 1);
    CHECK(world.pending->all()->empty());
    CHECK(world.balance() == 25'00);
    CHECK(world.bank.settledTotal() == 25'00);
    CHECK(world.logSize() == 1);
    CHECK(at::must(world.service->reconcile()) == 0);
    world.restart();
    CHECK(at::must(world.service->reconcile()) == 0);
    CHECK(world.balance() == 25'00);
    world.checkConservation();
  }

  TEST_CASE("a top-up whose confirmation is owed does not block the next one") {
    PurseWorld world;
    world.bank.loseConfirmAnswers = 2;  // the top-up's own attempt and the next one's retry
    CHECK_FALSE(
        world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(10'00))["settled"].asBool());
    Json::Value next = world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(5'00));
    CHECK(next["balance"].asUInt64() == 15'00);
    CHECK(next["settled"].asBool());
    CHECK(world.pending->all()->size() == 1);  // the first one's confirmation is still owed
    CHECK(at::must(world.service->reconcile()) == 1);
    CHECK(world.pending->all()->empty());
    world.checkConservation();
  }

  TEST_CASE("a pending top-up is finished before the next one takes the slot") {
    PurseWorld world;
    world.bank.loseIssueAnswers = 1;
    CHECK(world.refused(wire::nameOf<wire::PurseTopup>(), world.topupParams(10'00)) ==
          "upstream_error");
    Json::Value next = world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(5'00));
    CHECK(next["balance"].asUInt64() == 15'00);
    CHECK(world.bank.settledTotal() == 15'00);
    CHECK(world.pending->all()->empty());
    world.checkConservation();
  }

  TEST_CASE("the pending voucher store keeps its rows across reopening") {
    const hp::test::TempDir dir;
    const std::string path = dir.file("store.sqlite");
    {
      auto store = at::must(PendingVoucherStore::open(path));
      PendingVoucher row{"r1", "https://bank:1", "acct", "0011223344556677", 3, "EUR", 500, {}, {},
                         10};
      at::mustOk(store->add(row));
      CHECK_FALSE(store->add(row).ok());  // one row per request ID
      at::mustOk(store->setVoucher("r1", bytesOf("voucher")));
      CHECK_FALSE(store->setRecord("nope", bytesOf("x")).ok());
    }
    auto store = at::must(PendingVoucherStore::open(path));
    auto rows = at::must(store->all());
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].requestId == "r1");
    CHECK(rows[0].creditSeq == 3);
    CHECK(rows[0].amount == 500);
    CHECK(rows[0].voucher == bytesOf("voucher"));
    CHECK(rows[0].record.empty());
    at::mustOk(store->remove("r1"));
    CHECK(at::must(store->all()).empty());
    CHECK_FALSE(PendingVoucherStore::open("/nonexistent-dir/x.sqlite").ok());
  }

  TEST_CASE("payment notices: every purse change queued once from the card's log, then mailed") {
    PurseWorld world;
    RecordingSender sender;
    notices::ManualWallClock clock(1'790'000'000'000);
    const hp::test::TempDir dir;  // the outbox's; outlives the notices below
    NoticesConfig config;
    config.enabled = true;
    config.from = "homeproxy@home.test";
    config.to = "user@home.test";
    config.outboxPath = dir.file("notices.db");
    config.periodSeconds = 3600;
    auto created = PaymentNotices::create(config, world.card, world.log, sender, clock);
    REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
    PaymentNotices& notices = **created;
    CHECK(at::must(notices.collect()) == 0);  // an empty log
    world.ok(wire::nameOf<wire::PurseTopup>(), world.topupParams(10'00));
    world.ok(wire::nameOf<wire::PursePay>(), world.payParams("order-1", 2'50));
    CHECK(at::must(notices.collect()) == 2);
    CHECK(at::must(notices.collect()) == 0);  // read again: nothing queued twice
    world.ok(wire::nameOf<wire::PurseCancel>(),
             world.cancelParams(world.cancellation(2, "order-1", 2'50)));
    CHECK(at::must(notices.collect()) == 1);
    const std::string purseHex = toHex(world.purseId());
    CHECK(at::must(notices.outbox().lastQueuedTxn(purseHex)) == 3);

    notices.start();  // flushes at once: the three entries leave as mail
    for (int i = 0; i < 100 && sender.texts().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    notices.stop();
    const auto texts = sender.texts();
    REQUIRE_FALSE(texts.empty());
    std::string all;
    for (const auto& text : texts) all += text;
    CHECK(all.find("order-1") != std::string::npos);
    CHECK(all.find("2.50 EUR") != std::string::npos);
    for (const auto& row : at::must(notices.outbox().rows(purseHex))) CHECK(row.sent);
  }

  TEST_CASE("status words map to the documented codes") {
    const struct {
      PurseOperation operation;
      uint16_t sw;
      const char* code;
    } cases[] = {
        {PurseOperation::kDebit, 0x9401, "insufficient_funds"},
        {PurseOperation::kCredit, 0x9402, "over_maximum"},
        {PurseOperation::kCancel, 0x9402, "over_maximum"},
        {PurseOperation::kDebit, 0x6982, "pin2_required"},
        {PurseOperation::kStatus, 0x6982, "pin1_required"},
        {PurseOperation::kCredit, 0x6A80, "invalid"},
        {PurseOperation::kDebit, 0x6A88, "unknown_party"},
        {PurseOperation::kCancel, 0x6A88, "unknown_payment"},
        {PurseOperation::kDebit, 0x6985, "conflict"},
        {PurseOperation::kCredit, 0x6985, "already_used"},
        {PurseOperation::kCancel, 0x6985, "already_refunded"},
        {PurseOperation::kStatus, 0x6985, "no_purse"},
        {PurseOperation::kReadLog, 0x6581, "card_error"},
        {PurseOperation::kDebit, 0, "card_error"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.sw);
      const RpcError error = purseError(c.operation, PurseError{c.sw, "x"}, "what");
      CHECK(error.code == c.code);
      CHECK(error.message.rfind("what", 0) == 0);
    }
  }
}

}  // namespace hp::home_server
