// HomeCardClient's purse commands against the real home card applet, in-process: the typed
// answers, the paging of READ LOG, and refusals as CardErrors carrying the status word.
#include <doctest.h>

#include <string>

#include "base/ec_key.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tests/card_adapters/fixture.hpp"

namespace hp::card_adapters::test {

namespace {
namespace purse = protocol::purse;

struct Signer {
  std::unique_ptr<base::EcKeyPair> key;
  Bytes sign(std::string_view label, const Bytes& body, base::Rng& rng) const {
    const auto hash = purse::signedHash(label, body);
    return purse::appendSignature(body, must(key->signHash(hash, rng)));
  }
};

bool mentions(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The home card with its PINs verified, a bank ("bank") and a shop ("localhost") registered.
struct PurseWorld {
  HomeCard home;
  HomeCardClient& card = *home.client;
  std::unique_ptr<base::Rng> rng = base::makeSeededRng(testSeed() ^ 0x9E);
  Signer bank{must(base::EcKeyPair::generate(*rng))};
  Signer shop{must(base::EcKeyPair::generate(*rng))};

  PurseWorld() {
    REQUIRE(must(card.verifyPin1(kHomePin1)).verified());
    REQUIRE(must(card.verifyPin2(kHomePin2)).verified());
    mustOk(card.registryAdd(HomeRegistry::kBanks, bytesOf("bank"), bank.key->publicPoint()));
    mustOk(card.registryAdd(HomeRegistry::kShops, bytesOf("localhost"), shop.key->publicPoint()));
  }

  Bytes voucher(const std::array<uint8_t, 8>& purseId, uint32_t seq, uint64_t amount) {
    purse::Voucher v;
    v.bankId = bytesOf("bank");
    v.purseId = purseId;
    const Bytes id = rng->bytes(16);
    std::copy(id.begin(), id.end(), v.voucherId.begin());
    v.creditSeq = seq;
    v.currency = "EUR";
    v.amount = amount;
    return bank.sign(purse::kVoucherLabel, purse::encode(v), *rng);
  }

  purse::PurseRecord record(const Bytes& signedRecord) {
    const auto parts = purse::splitSigned(signedRecord);
    REQUIRE(parts.has_value());
    const Bytes point = must(card.readPublicKey(HomeKeyRef::kEc)).point;
    CHECK(purse::verifySigned(point, purse::kRecordLabel, *parts));
    const auto decoded = purse::decodePurseRecord(parts->body);
    REQUIRE(decoded.has_value());
    return *decoded;
  }
};
}  // namespace

TEST_SUITE("purse") {
  TEST_CASE("purse: init, status, credit, debit with retry, cancel, log") {
    PurseWorld w;
    HomeCardClient& card = w.card;
    auto none = card.purseStatus();
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().sw == 0x6985);

    const auto purseId = must(card.purseInit("EUR", 100'000));
    auto again = card.purseInit("EUR", 100'000);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().sw == 0x6985);
    CHECK(mentions(again.error().message, "PURSE INIT"));
    // Checked on the host: never sent.
    const uint64_t sent = card.commands().commandsSent();
    CHECK_FALSE(card.purseInit("eur", 1).ok());
    CHECK_FALSE(card.debit(1, bytesOf("localhost"), bytesOf("o"), "EUR", 0).ok());
    CHECK(card.commands().commandsSent() == sent);

    PurseStatus s = must(card.purseStatus());
    CHECK(s.purseId == purseId);
    CHECK(s.currency == "EUR");
    CHECK(s.balance == 0);
    CHECK(s.maxBalance == 100'000);
    CHECK(s.lastTxn == 0);

    const Bytes v = w.voucher(purseId, 1, 20'000);
    const Bytes credited = must(card.credit(10, v));
    CHECK(w.record(credited).entry.kind == purse::EntryKind::kCredit);
    CHECK(must(card.credit(11, v)) == credited);  // identical retry

    const Bytes paid = must(card.debit(12, bytesOf("localhost"), bytesOf("order-1"), "EUR", 1500));
    const auto payment = w.record(paid);
    CHECK(payment.purseId == purseId);
    CHECK(payment.entry.txn == 2);
    CHECK(payment.entry.balanceAfter == 18'500);
    CHECK(must(card.debit(13, bytesOf("localhost"), bytesOf("order-1"), "EUR", 1500)) == paid);

    auto poor = card.debit(14, bytesOf("localhost"), bytesOf("order-2"), "EUR", 18'501);
    REQUIRE_FALSE(poor.ok());
    CHECK(poor.error().sw == kSwInsufficientFunds);
    CHECK(mentions(poor.error().message, "insufficient funds"));
    auto conflict = card.debit(14, bytesOf("localhost"), bytesOf("order-1"), "EUR", 1);
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.error().sw == 0x6985);
    auto unknownShop = card.debit(14, bytesOf("elsewhere"), bytesOf("order-3"), "EUR", 1);
    REQUIRE_FALSE(unknownShop.ok());
    CHECK(unknownShop.error().sw == 0x6A88);
    auto tooMuch = card.credit(15, w.voucher(purseId, 2, 90'000));
    REQUIRE_FALSE(tooMuch.ok());
    CHECK(tooMuch.error().sw == kSwMaximumBalanceExceeded);
    CHECK(mentions(tooMuch.error().message, "maximum balance"));

    purse::Cancellation c;
    c.shopId = bytesOf("localhost");
    c.purseId = purseId;
    c.txn = 2;
    c.orderRef = bytesOf("order-1");
    c.currency = "EUR";
    c.amount = 1500;
    const Bytes signedCancel = w.shop.sign(purse::kCancellationLabel, purse::encode(c), *w.rng);
    const auto refund = w.record(must(card.cancel(16, signedCancel)));
    CHECK(refund.entry.kind == purse::EntryKind::kRefund);
    CHECK(refund.entry.relatedTxn == 2);
    // An identical CANCEL answers the original signed refund record (issue 10: refunds like
    // payments), and moves no money a second time: the log below still holds one refund.
    const auto twice = w.record(must(card.cancel(17, signedCancel)));
    CHECK(twice.entry.kind == purse::EntryKind::kRefund);
    CHECK(twice.entry.txn == refund.entry.txn);
    CHECK(twice.entry.relatedTxn == 2);

    const auto log = must(card.readLog());
    REQUIRE(log.size() == 3);
    CHECK(log[0].txn == 1);
    CHECK(log[1].reference == bytesOf("order-1"));
    CHECK(log[2].kind == purse::EntryKind::kRefund);
    CHECK(must(card.readLog(3)).size() == 1);
    CHECK(must(card.readLog(4)).empty());
    s = must(card.purseStatus());
    CHECK(s.balance == 20'000);
    CHECK(s.lastTxn == 3);
    CHECK(s.creditSeq == 1);
    CHECK(s.oldestLoggedTxn == 1);

    // In standby the log and status still read; movements need PIN2 (but a PIN-only debit, up
    // to kPinOnlyDebitMax: one over it is refused).
    mustOk(card.finish());
    CHECK(must(card.readLog()).size() == 3);
    auto locked = card.debit(18, bytesOf("localhost"), bytesOf("order-4"), "EUR",
                             purse::kPinOnlyDebitMax + 1);
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().sw == 0x6982);
  }

  TEST_CASE("purse: readLog pages through a full log") {
    PurseWorld w;
    HomeCardClient& card = w.card;
    const auto purseId = must(card.purseInit("EUR", 1'000'000));
    must(card.credit(1, w.voucher(purseId, 1, 1'000'000)));
    // Long IDs so a page holds only two entries.
    const std::string longRef(32, 'r');
    for (int i = 0; i < 70; ++i) {
      std::string ref = longRef;
      ref.replace(0, std::to_string(i).size(), std::to_string(i));
      must(card.debit(2 + i, bytesOf("localhost"), bytesOf(ref), "EUR", 1));
    }
    const uint64_t before = card.commands().commandsSent();
    const auto log = must(card.readLog());
    CHECK(card.commands().commandsSent() - before > 20);
    REQUIRE(log.size() == 64);
    for (size_t i = 0; i < log.size(); ++i) CHECK(log[i].txn == 8 + i);
    CHECK(must(card.purseStatus()).oldestLoggedTxn == 8);
  }
}

}  // namespace hp::card_adapters::test
