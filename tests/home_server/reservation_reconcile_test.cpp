// The day limit's reconciliation (host/home_server/purse/reservation_reconcile.hpp) with an
// injected card log: open reservations a crash left behind are completed when the card paid
// them, released when the log proves it did not, and left counted when the log is too short to
// tell; a payment still in flight is never touched; an identical retry is not counted twice, a
// conflicting one is refused. The same on the real applet: policy_test.cpp.
#include <doctest.h>

#include "host/home_server/purse/reservation_reconcile.hpp"
#include "host/sqlite/sqlite_db.hpp"
#include "tests/card_adapters/fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace hp::home_server {

namespace {

namespace at = card_adapters::test;
using protocol::purse::EntryKind;
using protocol::purse::LogEntry;

constexpr uint64_t kDay = 20'500;
constexpr uint64_t kLimit = 100'00;
constexpr const char* kTill = "till-1";

PaymentKey keyOf(const std::string& order) {
  return PaymentKey{kTill, "shop.test", order};
}

LogEntry debit(uint32_t txn, uint64_t timeMs, const std::string& shop, const std::string& order,
               uint64_t amount) {
  LogEntry entry;
  entry.txn = txn;
  entry.kind = EntryKind::kDebit;
  entry.timeMs = timeMs;
  entry.currency = "EUR";
  entry.amount = amount;
  entry.party = bytesOf(shop);
  entry.reference = bytesOf(order);
  return entry;
}

Reservation reserve(PolicyStore& store, const std::string& order, uint64_t amount, uint64_t nowMs) {
  return at::must(store.reserve(keyOf(order), "EUR", amount, kDay, kLimit, nowMs));
}

}  // namespace

TEST_SUITE("policy") {
  TEST_CASE("judging one open reservation against the card's log") {
    const OpenReservation open{keyOf("o-1"), "EUR", 12'00, 5'000};
    CardLog log;
    log.entries = {debit(40, 4'000, "shop.test", "o-0", 1'00),
                   debit(41, 6'000, "shop.test", "o-1", 12'00)};
    ReservationVerdict verdict = judgeReservation(open, log);
    CHECK(verdict.verdict == Verdict::kPaid);
    CHECK(verdict.payment.txn == 41);
    CHECK(verdict.payment.amount == 12'00);
    // Another shop's order of the same name is not this payment.
    log.entries.back().party = bytesOf("other.test");
    CHECK(judgeReservation(open, log).verdict == Verdict::kNotPaid);  // the log reaches 4'000
    // The oldest entry kept is later than the reservation: the payment may have left the log.
    log.entries.erase(log.entries.begin());
    CHECK(judgeReservation(open, log).verdict == Verdict::kUndecided);
    log.complete = true;  // unless the card never dropped an entry
    CHECK(judgeReservation(open, log).verdict == Verdict::kNotPaid);
    // An empty log of a purse that moved (nothing kept) cannot tell.
    CHECK(judgeReservation(open, CardLog{}).verdict == Verdict::kUndecided);
  }

  TEST_CASE("reconciling after a crash: completed, released, undecided, in flight untouched") {
    hp::test::TempDir dir;
    const std::string path = dir.file("policies.sqlite");
    {
      // The process that crashed: four reservations, no answer recorded.
      auto crashed = at::must(PolicyStore::open(path));
      CHECK(reserve(*crashed, "paid", 30'00, 1'000) == Reservation::kReserved);
      CHECK(reserve(*crashed, "lost", 20'00, 2'000) == Reservation::kReserved);
      CHECK(reserve(*crashed, "early", 25'00, 500) == Reservation::kReserved);
      CHECK(reserve(*crashed, "done", 5'00, 100) == Reservation::kReserved);
      at::mustOk(crashed->settle(keyOf("done"), Settlement::kPaid, 30));
      CHECK(at::must(crashed->spent(kTill, kDay)) == 80'00);
      // Full: 80.00 + 25.00 passes the limit.
      CHECK(reserve(*crashed, "more", 25'00, 2'500) == Reservation::kOverDay);
    }  // kill -9: the in-flight marks are gone, the rows are on disk
    auto store = at::must(PolicyStore::open(path));
    CHECK(at::must(store->openReservations()).size() == 3);
    // The restarted server has a payment of its own in flight.
    CHECK(reserve(*store, "busy", 10'00, 3'000) == Reservation::kReserved);
    CHECK(at::must(store->openReservations()).size() == 3);  // "busy" is not the sweep's

    CardLog log;  // kept from 900 ms on: "early" (500 ms) may have been paid and dropped
    log.entries = {debit(31, 900, "shop.test", "x", 1'00),
                   debit(32, 1'500, "shop.test", "paid", 30'00)};
    const ReconcileReport report = at::must(reconcileReservations(*store, log));
    CHECK(report.completed == 1);
    CHECK(report.released == 1);
    CHECK(report.undecided == 1);
    // paid 30.00 + early 25.00 (kept counted) + done 5.00 + busy 10.00; "lost" released.
    CHECK(at::must(store->spent(kTill, kDay)) == 70'00);
    // A second round changes nothing.
    const ReconcileReport again = at::must(reconcileReservations(*store, log));
    CHECK(again.completed + again.released == 0);
    CHECK(again.undecided == 1);
    // "busy" is settled by its own request; the sweep never saw it.
    at::mustOk(store->settle(keyOf("busy"), Settlement::kRelease));
    CHECK(at::must(store->spent(kTill, kDay)) == 60'00);

    // The retries: the same payment is not counted twice, another amount is refused, the
    // released one is counted afresh.
    CHECK(reserve(*store, "paid", 30'00, 4'000) == Reservation::kRetry);
    at::mustOk(store->settle(keyOf("paid"), Settlement::kPaid, 32));
    CHECK(reserve(*store, "paid", 31'00, 4'000) == Reservation::kConflict);
    CHECK(reserve(*store, "lost", 20'00, 4'000) == Reservation::kReserved);
    CHECK(at::must(store->spent(kTill, kDay)) == 80'00);
    // A retry in flight of an open row keeps the sweep off it too.
    CHECK(reserve(*store, "early", 25'00, 4'000) == Reservation::kRetry);
    CHECK(at::must(store->resolve(keyOf("early"), std::nullopt)) == false);
    at::mustOk(store->settle(keyOf("early"), Settlement::kKeepOpen));
    // Once the sweep may, a settled row is no longer its business.
    CHECK(at::must(store->resolve(keyOf("paid"), std::nullopt)) == false);
    CHECK(at::must(store->resolve(keyOf("early"), CardPayment{33, 25'00})) == true);
    // "lost", reserved again above, is in flight until its answer; unknown, it is the sweep's.
    CHECK(at::must(store->openReservations()).empty());
    at::mustOk(store->settle(keyOf("lost"), Settlement::kKeepOpen));
    CHECK(at::must(store->openReservations()).size() == 1);
  }

  TEST_CASE("a policy file from before the reconciliation: its payments count as settled") {
    hp::test::TempDir dir;
    const std::string path = dir.file("old.sqlite");
    {
      auto db = at::must(sqlite::Database::open(path));
      at::mustOk(
          db->exec("CREATE TABLE terminal_policies (id TEXT PRIMARY KEY, policy TEXT NOT NULL);"
                   "CREATE TABLE terminal_payments (terminal TEXT NOT NULL, shop TEXT NOT NULL,"
                   " order_ref TEXT NOT NULL, currency TEXT NOT NULL, amount INTEGER NOT NULL,"
                   " day INTEGER NOT NULL, PRIMARY KEY (terminal, shop, order_ref));"
                   "INSERT INTO terminal_payments VALUES ('till-1', 'shop.test', 'old', 'EUR', "
                   "700, 20500)"));
    }
    auto store = at::must(PolicyStore::open(path));
    CHECK(at::must(store->spent(kTill, kDay)) == 7'00);
    CHECK(at::must(store->openReservations()).empty());
    CHECK(at::must(store->expiredUnrevoked(1)).empty());
  }
}

}  // namespace hp::home_server
