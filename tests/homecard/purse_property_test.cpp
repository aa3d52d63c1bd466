// Random sequences of purse operations (payments, retries, conflicting retries, top-ups, replayed
// and out-of-order vouchers, cancellations and duplicate cancellations, storage failures,
// restarts) against a simple model: after every step the card's balance is
// Σ credits − Σ debits + Σ refunds of the records it answered, never negative, never above the
// maximum, and every answer is what the model predicts. Replay a failure with HP_TEST_SEED.
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/homecard/purse_fixture.hpp"

using hp::base::Bytes;
using hp::card::homecard::test::PurseCard;
using hp::card::homecard::test::testSeed;

namespace {
struct Payment {
  std::string shop;
  std::string orderRef;
  uint64_t amount = 0;
  uint32_t txn = 0;
  bool refunded = false;
  Bytes record;
  Bytes refundRecord;
};
}  // namespace

TEST_SUITE("purse_property") {
  TEST_CASE("conservation and limits over random operations") {
    const uint64_t seed = testSeed();
    constexpr uint64_t kMax = 50'000;
    PurseCard p(kMax, seed);
    std::mt19937_64 random(seed ^ 0xC0FFEE);
    auto pick = [&](uint64_t n) { return static_cast<uint64_t>(random() % n); };

    uint64_t credits = 0, debits = 0, refunds = 0;
    uint32_t creditSeq = 0, lastTxn = 0;
    std::vector<Payment> payments;
    std::vector<Bytes> usedVouchers;  // signed vouchers already credited, for replays
    std::map<std::string, int> outcomes;

    constexpr int kSteps = 400;
    for (int step = 0; step < kSteps; ++step) {
      CAPTURE(step);
      const uint64_t balance = credits - debits + refunds;
      const bool injectFailure = pick(20) == 0;
      const uint32_t txnBefore = lastTxn;
      std::string expected;
      std::string kind;
      hp::card::homecard::test::Reply r;
      // Armed just before the command, so a skipped step leaves no failure behind.
      auto arm = [&] {
        if (injectFailure) p.card.storage.failNextStores(0, 1);
      };
      Payment* retried = nullptr;

      switch (pick(6)) {
        case 0:
        case 1: {  // a new payment
          kind = "debit";
          Payment pay{pick(2) == 0 ? "shop.example" : "other.example",
                      "ref-" + std::to_string(step),
                      1 + pick(8000),
                      0,
                      false,
                      {},
                      {}};
          arm();
          r = p.card.send(PurseCard::debitApdu(step, pay.shop, pay.orderRef, "EUR", pay.amount));
          expected = pay.amount > balance ? "9401" : "9000";
          if (expected == "9000" && injectFailure) expected = "6581";
          if (r.sw == "9000") {
            debits += pay.amount;
            pay.txn = ++lastTxn;
            pay.record = r.data;
            payments.push_back(pay);
          }
          break;
        }
        case 2: {  // a retry of a logged payment: identical or conflicting
          if (payments.empty() || payments.back().txn + 60 < lastTxn) continue;
          Payment& old = payments[payments.size() - 1 - pick(std::min<size_t>(payments.size(), 3))];
          if (old.txn + 63 < lastTxn) continue;  // may have left the log
          const bool identical = pick(2) == 0;
          kind = identical ? "retry" : "conflict";
          arm();
          r = p.card.send(PurseCard::debitApdu(step, old.shop, old.orderRef, "EUR",
                                               old.amount + (identical ? 0 : 1)));
          expected = identical ? "9000" : "6985";
          if (identical && r.sw == "9000") CHECK(r.data == old.record);
          retried = &old;
          break;
        }
        case 3: {  // a top-up, now and then replayed or out of order
          const int variant = static_cast<int>(pick(4));
          if (variant == 0 && !usedVouchers.empty()) {
            kind = "voucher replay";  // an identical retry if still logged, else refused
            const Bytes& old = usedVouchers[pick(usedVouchers.size())];
            arm();
            r = p.card.send(PurseCard::creditApdu(step, old));
            expected = r.sw == "9000" ? "9000" : "6985";
            CHECK((r.sw == "9000" || r.sw == "6985"));
            break;
          }
          const uint32_t seq = variant == 1 ? creditSeq + 2 : creditSeq + 1;
          const uint64_t amount = 1 + pick(20'000);
          const Bytes v = p.signVoucher(p.voucher(seq, amount));
          kind = variant == 1 ? "credit out of order" : "credit";
          arm();
          r = p.card.send(PurseCard::creditApdu(step, v));
          if (variant == 1) {
            expected = "6985";
          } else {
            expected = amount > kMax - balance ? "9402" : (injectFailure ? "6581" : "9000");
          }
          if (r.sw == "9000") {
            credits += amount;
            creditSeq = seq;
            ++lastTxn;
            usedVouchers.push_back(v);
          }
          break;
        }
        default: {  // a cancellation (maybe a duplicate) of a logged payment
          if (payments.empty()) continue;
          Payment& pay = payments[pick(payments.size())];
          if (pay.txn + 63 < lastTxn) continue;  // may have left the log
          kind = pay.refunded ? "duplicate cancel" : "cancel";
          const auto& shop = pay.shop == "shop.example" ? p.shop : p.otherShop;
          const Bytes c =
              p.signCancellation(p.cancellation(shop, pay.txn, pay.orderRef, pay.amount));
          arm();
          r = p.card.send(PurseCard::cancelApdu(step, c));
          if (pay.refunded) {
            // An identical retry: the original refund record, nothing moves.
            expected = "9000";
            if (r.sw == "9000") CHECK(r.data == pay.refundRecord);
            retried = &pay;
          } else {
            expected = pay.amount > kMax - balance ? "9402" : (injectFailure ? "6581" : "9000");
            if (r.sw == "9000") {
              refunds += pay.amount;
              pay.refunded = true;
              pay.refundRecord = r.data;
              ++lastTxn;
            }
          }
          break;
        }
      }
      CAPTURE(kind);
      CHECK(r.sw == expected);
      ++outcomes[kind + " " + r.sw];
      p.card.storage.failNextStores(0, 0);
      if (retried != nullptr || r.sw != "9000") CHECK(lastTxn == txnBefore);

      // Invariants, from the card's own status.
      const auto s = p.status();
      CHECK(s.balance == credits - debits + refunds);
      CHECK(s.balance <= kMax);
      CHECK(s.lastTxn == lastTxn);
      CHECK(s.creditSeq == creditSeq);
      CHECK(s.oldestLoggedTxn == (lastTxn == 0 ? 0 : (lastTxn > 64 ? lastTxn - 63 : 1)));
      if (r.sw == "9000") {
        const auto record = p.verifiedRecord(r.data);
        CHECK(record.entry.balanceAfter <= kMax);
      }
      // Now and then a restart: nothing is lost.
      if (pick(40) == 0) {
        const Bytes image = p.card.applet->state().serialize();
        p.card.reopen();
        CHECK(p.card.applet->state().serialize() == image);
        p.card.select();
        p.card.verifyPin1();
        p.card.verifyPin2();
      }
    }
    std::string summary;
    for (const auto& [what, n] : outcomes) summary += what + ": " + std::to_string(n) + "; ";
    MESSAGE(summary);
    CHECK(outcomes["debit 9000"] > 0);
    CHECK(outcomes["credit 9000"] > 0);
  }
}
