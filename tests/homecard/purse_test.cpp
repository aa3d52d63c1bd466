// The e-money purse (docs/emoney.md "Card commands"): every command, every refusal, retries,
// replays, forgeries, storage failures and persistence.
#include <functional>
#include <string>
#include <vector>

#include "base/byte_codec.hpp"
#include "card/homecard/home_card_state.hpp"
#include "protocol/apdu/command_apdu.hpp"
#include "tests/homecard/purse_fixture.hpp"

using hp::base::Bytes;
using hp::base::toHex;
using hp::card::homecard::HomeCardState;
using hp::card::homecard::test::PurseCard;
using hp::card::homecard::test::TestCard;
using hp::protocol::apdu::encodeCommandApdu;
using hp::protocol::purse::EntryKind;
namespace purse = hp::protocol::purse;

namespace {
Bytes initApdu(std::string_view currency, uint64_t max, uint32_t le = 256) {
  hp::base::ByteWriter w;
  // A view of the text, not a temporary vector: gcc 12 misreads the temporary's delete as a
  // -Wfree-nonheap-object.
  w.raw(hp::base::ByteView(reinterpret_cast<const uint8_t*>(currency.data()), currency.size()));
  w.u64(max);
  return encodeCommandApdu(0x80, 0x30, 0, 0, w.take(), le);
}

Bytes withP1P2(Bytes apdu, uint8_t p1, uint8_t p2) {
  apdu[2] = p1;
  apdu[3] = p2;
  return apdu;
}

// Parses a READ LOG page into entries; REQUIREs a well-formed page.
std::vector<purse::LogEntry> entriesOf(const Bytes& page) {
  std::vector<purse::LogEntry> out;
  size_t pos = 0;
  while (pos < page.size()) {
    const size_t n = page[pos];
    REQUIRE(pos + 1 + n <= page.size());
    const auto e = purse::decodeLogEntry(hp::base::ByteView(page).subspan(pos + 1, n));
    REQUIRE(e.has_value());
    out.push_back(*e);
    pos += 1 + n;
  }
  return out;
}

// The card image; every refusal must leave it exactly as it was.
Bytes imageOf(PurseCard& p) {
  REQUIRE(p.card.storage.image().has_value());
  CHECK(p.card.applet->state().serialize() == *p.card.storage.image());
  return *p.card.storage.image();
}
}  // namespace

TEST_SUITE("purse") {
  TEST_CASE("PURSE INIT: crypto state, once, well-formed data, storage failure") {
    TestCard card;
    CHECK(card.send(initApdu("EUR", 1000)).sw == "6985");  // personalization
    card.personalize();
    CHECK(card.send(initApdu("EUR", 1000)).sw == "6982");
    card.verifyPin1();
    CHECK(card.send(initApdu("EUR", 1000)).sw == "6982");
    card.verifyPin2();
    CHECK(card.send(withP1P2(initApdu("EUR", 1000), 0, 1)).sw == "6A86");
    CHECK(card.send("80 30 00 00").sw == "6700");
    CHECK(card.send(initApdu("EUr", 1000)).sw == "6A80");
    CHECK(card.send(initApdu("EUR", 0)).sw == "6A80");
    CHECK(card.send("80 30 00 00 0A 45 55 52 00 00 00 00 00 00 10").sw == "6A80");
    CHECK(card.send("80 30 00 00 0C 45 55 52 00 00 00 00 00 00 10 00 00").sw == "6A80");
    // No purse yet: the other commands say so.
    CHECK(card.send("00 CA DF 40 00").sw == "6985");
    CHECK(card.send(PurseCard::readLogApdu(0)).sw == "6985");
    CHECK(card.send(PurseCard::debitApdu(1, "s", "o", "EUR", 1)).sw == "6985");

    const Bytes before = *card.storage.image();
    card.storage.failNextStores(0, 1);
    CHECK(card.send(initApdu("EUR", 1000)).sw == "6581");
    CHECK(*card.storage.image() == before);
    CHECK_FALSE(card.applet->state().purse.initialized);

    const auto r = card.send(initApdu("EUR", 1000));
    REQUIRE(r.sw == "9000");
    CHECK(r.data.size() == 8);
    CHECK(card.send(initApdu("USD", 5)).sw == "6985");  // once per card
    const auto status = card.send("00 CA DF 40 00");
    REQUIRE(status.sw == "9000");
    CHECK(toHex(status.data) == toHex(r.data) + toHex(hp::base::bytesOf("EUR")) +
                                    "0000000000000000" + "00000000000003E8" + "00000000" +
                                    "00000000" + "00000000");
    // Without Le the purse ID comes through 61xx and GET RESPONSE.
    TestCard other;
    other.personalize();
    other.verifyPin1();
    other.verifyPin2();
    const auto noLe = other.send(initApdu("JPY", 7, 0));
    CHECK(noLe.sw == "6108");
    CHECK(other.transceive("00 C0 00 00 08").data.size() == 8);
  }

  TEST_CASE("PURSE STATUS: PIN1, no data, Le") {
    PurseCard p;
    p.card.send("00 20 FF 81");  // back to inhibited
    CHECK(p.card.send("00 CA DF 40 00").sw == "6982");
    p.card.verifyPin1();
    CHECK(p.card.send("00 CA DF 40 00").sw == "9000");  // standby is enough
    CHECK(p.card.send("00 CA DF 40 10").sw == "6C27");
    CHECK(p.card.send("00 CA DF 40 27").data.size() == 39);
    CHECK(p.card.send("00 CA DF 40 01 00 00").sw == "6700");
    const auto s = p.status();
    CHECK(s.purseId == p.purseId);
    CHECK(s.currency == "EUR");
    CHECK(s.balance == 0);
    CHECK(s.maxBalance == hp::card::homecard::test::kDefaultMax);
    CHECK(s.lastTxn == 0);
    CHECK(s.creditSeq == 0);
    CHECK(s.oldestLoggedTxn == 0);
  }

  TEST_CASE("DEBIT: a signed payment record; identical retry same bytes; refusals") {
    PurseCard p;
    p.topUp(5000);
    const Bytes payment = p.pay("order-1", 1250);
    const auto record = p.verifiedRecord(payment);
    CHECK(record.entry.txn == 2);
    CHECK(record.entry.kind == EntryKind::kDebit);
    CHECK(record.entry.timeMs == p.clockMs);
    CHECK(record.entry.currency == "EUR");
    CHECK(record.entry.amount == 1250);
    CHECK(record.entry.balanceAfter == 3750);
    CHECK(record.entry.party == hp::base::bytesOf("shop.example"));
    CHECK(record.entry.reference == hp::base::bytesOf("order-1"));
    CHECK(record.entry.relatedTxn == 0);
    CHECK(p.status().balance == 3750);

    // The answer was lost; the host asks again (even with another time): the same bytes.
    const auto retry =
        p.card.send(PurseCard::debitApdu(99, "shop.example", "order-1", "EUR", 1250));
    CHECK(retry.sw == "9000");
    CHECK(retry.data == payment);
    CHECK(p.status().balance == 3750);
    CHECK(p.status().lastTxn == 2);

    const Bytes before = imageOf(p);
    auto refused = [&](const Bytes& apdu, const std::string& sw) {
      CAPTURE(toHex(apdu));
      CHECK(p.card.send(apdu).sw == sw);
      CHECK(imageOf(p) == before);
    };
    refused(PurseCard::debitApdu(1, "shop.example", "order-1", "EUR", 1251), "6985");  // conflict
    refused(PurseCard::debitApdu(1, "shop.example", "order-2", "EUR", 3751), "9401");
    refused(PurseCard::debitApdu(1, "shop.example", "order-2", "USD", 10), "6A80");
    refused(PurseCard::debitApdu(1, "shop.example", "order-2", "EUR", 0), "6A80");
    refused(PurseCard::debitApdu(1, "shop.example", "order-2", "eur", 10), "6A80");
    refused(PurseCard::debitApdu(1, "", "order-2", "EUR", 10), "6A80");
    refused(PurseCard::debitApdu(1, "shop.example", "", "EUR", 10), "6A80");
    refused(PurseCard::debitApdu(1, "shop.example", std::string(33, 'o'), "EUR", 10), "6A80");
    refused(PurseCard::debitApdu(1, "unknown.example", "order-2", "EUR", 10), "6A88");
    Bytes trailing = PurseCard::debitApdu(1, "shop.example", "order-2", "EUR", 10);
    trailing.insert(trailing.end() - 1, 0x00);
    trailing[4] += 1;
    refused(trailing, "6A80");
    Bytes truncated = PurseCard::debitApdu(1, "shop.example", "order-2", "EUR", 10);
    truncated.erase(truncated.end() - 2);
    truncated[4] -= 1;
    refused(truncated, "6A80");
    refused(withP1P2(PurseCard::debitApdu(1, "shop.example", "o", "EUR", 1), 1, 0), "6A86");
    refused(hp::card::homecard::test::hexBytes("80 32 00 00"), "6700");
    refused(hp::card::homecard::test::hexBytes("00 32 00 00"), "6E00");

    // The same order reference at another shop is another payment.
    const auto elsewhere = p.verifiedRecord(p.pay("order-1", 100, "other.example"));
    CHECK(elsewhere.entry.txn == 3);
    CHECK(p.status().balance == 3650);
    // Spending it all is allowed; one more minor unit is not.
    p.pay("order-3", 3650);
    CHECK(p.card.send(PurseCard::debitApdu(1, "shop.example", "order-4", "EUR", 1)).sw == "9401");

    // PIN2 needed above the PIN-only cap (25.00); standby is not enough for it.
    p.card.send("00 20 FF 82");
    CHECK(p.card.send(PurseCard::debitApdu(1, "shop.example", "order-5", "EUR", 2501)).sw ==
          "6982");
    // Up to the cap PIN1 is enough (docs/emoney.md, "PIN-only payments"): here the balance is 0.
    CHECK(p.card.send(PurseCard::debitApdu(1, "shop.example", "order-5", "EUR", 2500)).sw ==
          "9401");
    // Without PIN1 nothing at all.
    p.card.send("00 20 FF 81");
    CHECK(p.card.send(PurseCard::debitApdu(1, "shop.example", "order-6", "EUR", 1)).sw == "6982");
  }

  TEST_CASE("DEBIT, CREDIT, CANCEL need the user's EC key") {
    TestCard card;
    card.personalize();
    card.verifyPin1();
    card.verifyPin2();
    REQUIRE(card.send(initApdu("EUR", 100)).sw == "9000");
    CHECK(card.send(PurseCard::debitApdu(1, "shop", "o", "EUR", 1)).sw == "6985");
    CHECK(card.send(PurseCard::creditApdu(1, Bytes(80, 1))).sw == "6985");
    CHECK(card.send(PurseCard::cancelApdu(1, Bytes(80, 1))).sw == "6985");
  }

  TEST_CASE("CREDIT: vouchers once, in order, from a registered bank, for this purse") {
    PurseCard p(10'000);
    const auto v1 = p.voucher(1, 4000);
    const Bytes signed1 = p.signVoucher(v1);
    const auto r1 = p.card.send(PurseCard::creditApdu(5, signed1));
    REQUIRE(r1.sw == "9000");
    const auto record = p.verifiedRecord(r1.data);
    CHECK(record.entry.txn == 1);
    CHECK(record.entry.kind == EntryKind::kCredit);
    CHECK(record.entry.timeMs == 5);
    CHECK(record.entry.amount == 4000);
    CHECK(record.entry.balanceAfter == 4000);
    CHECK(record.entry.party == hp::base::bytesOf("bank"));
    CHECK(record.entry.reference == Bytes(v1.voucherId.begin(), v1.voucherId.end()));
    CHECK(record.entry.relatedTxn == 1);
    CHECK(p.status().creditSeq == 1);

    // Identical retry: the same record, no second credit.
    const auto again = p.card.send(PurseCard::creditApdu(6, signed1));
    CHECK(again.sw == "9000");
    CHECK(again.data == r1.data);
    CHECK(p.status().balance == 4000);

    const Bytes before = imageOf(p);
    auto refused = [&](const Bytes& signedVoucher, const std::string& sw) {
      CHECK(p.card.send(PurseCard::creditApdu(7, signedVoucher)).sw == sw);
      CHECK(imageOf(p) == before);
    };
    SUBCASE("replay and order") {
      refused(p.signVoucher(p.voucher(1, 4000)), "6985");  // seq 1 used, another voucher ID
      refused(p.signVoucher(p.voucher(3, 100)), "6985");   // out of order
      refused(p.signVoucher(p.voucher(0, 100)), "6A80");   // credit_seq 0 is malformed
      // The logged voucher ID with other contents is not a retry.
      auto changed = v1;
      changed.amount = 4001;
      refused(p.signVoucher(changed), "6985");
    }
    SUBCASE("forgeries and other purses") {
      auto v2 = p.voucher(2, 100);
      refused(p.signVoucher(v2, &p.shop), "6A80");  // wrong key under the bank's ID
      Bytes flippedBody = p.signVoucher(v2);
      flippedBody[2 + 1 + 4 + 8 + 16 + 4 + 3 + 7] ^= 0x01;  // the amount's last byte
      refused(flippedBody, "6A80");
      Bytes flippedSignature = p.signVoucher(v2);
      flippedSignature[flippedSignature.size() - 3] ^= 0x01;
      refused(flippedSignature, "6A80");
      refused(Bytes(flippedSignature.begin(), flippedSignature.end() - 1), "6A80");
      auto otherPurse = v2;
      otherPurse.purseId[0] ^= 0xFF;
      refused(p.signVoucher(otherPurse), "6A80");
      auto otherCurrency = v2;
      otherCurrency.currency = "USD";
      refused(p.signVoucher(otherCurrency), "6A80");
      auto unknownBank = v2;
      unknownBank.bankId = hp::base::bytesOf("another-bank");
      refused(p.signVoucher(unknownBank), "6A88");
      refused(Bytes{0x00, 0x01, 0x02}, "6A80");
      // A voucher signed as a cancellation does not verify as a voucher (labels).
      refused(p.bank.sign(purse::kCancellationLabel, purse::encode(v2), *p.partyRng), "6A80");
      CHECK(p.card.send("80 34 00 00 04 00 00 00 01 00").sw == "6A80");
    }
    SUBCASE("maximum balance: 9402, the voucher stays usable") {
      const Bytes big = p.signVoucher(p.voucher(2, 6001));
      refused(big, "9402");
      p.pay("o-1", 1);
      CHECK(p.card.send(PurseCard::creditApdu(8, big)).sw == "9000");
      CHECK(p.status().balance == 9999 + 1);
      CHECK(p.status().creditSeq == 2);
    }
  }

  TEST_CASE("CANCEL: refunds a logged payment of that shop once") {
    PurseCard p(10'000);
    p.topUp(5000);
    const auto paid = p.verifiedRecord(p.pay("order-7", 1200));  // txn 2
    p.pay("order-8", 300, "other.example");                      // txn 3
    REQUIRE(p.status().balance == 3500);

    const Bytes before = imageOf(p);
    auto refused = [&](const Bytes& signedCancellation, const std::string& sw) {
      CHECK(p.card.send(PurseCard::cancelApdu(9, signedCancellation)).sw == sw);
      CHECK(imageOf(p) == before);
    };
    // Another shop cannot cancel this shop's payment, even with its own valid signature.
    refused(p.signCancellation(p.cancellation(p.otherShop, 2, "order-7", 1200)), "6A88");
    // Wrong amount, wrong order reference, a txn that is a credit, a txn that does not exist.
    refused(p.signCancellation(p.cancellation(p.shop, 2, "order-7", 1100)), "6A88");
    refused(p.signCancellation(p.cancellation(p.shop, 2, "order-9", 1200)), "6A88");
    refused(p.signCancellation(p.cancellation(p.shop, 1, "order-7", 1200)), "6A88");
    refused(p.signCancellation(p.cancellation(p.shop, 40, "order-7", 1200)), "6A88");
    // Another card's payment: another purse ID.
    auto otherCard = p.cancellation(p.shop, 2, "order-7", 1200);
    otherCard.purseId[7] ^= 0x01;
    refused(p.signCancellation(otherCard), "6A80");
    // Forged: signed by the other shop's key under this shop's ID; a flipped byte.
    refused(p.signCancellation(p.cancellation(p.shop, 2, "order-7", 1200), &p.otherShop), "6A80");
    Bytes flipped = p.signCancellation(p.cancellation(p.shop, 2, "order-7", 1200));
    flipped[flipped.size() - 5] ^= 0x80;
    refused(flipped, "6A80");
    auto unknownShop = p.cancellation(p.shop, 2, "order-7", 1200);
    unknownShop.shopId = hp::base::bytesOf("nobody.example");
    refused(p.signCancellation(unknownShop, &p.shop), "6A88");
    refused(hp::card::homecard::test::hexBytes("00"), "6A80");

    const Bytes good = p.signCancellation(p.cancellation(p.shop, 2, "order-7", 1200));
    const auto r = p.card.send(PurseCard::cancelApdu(10, good));
    REQUIRE(r.sw == "9000");
    const auto refund = p.verifiedRecord(r.data);
    CHECK(refund.entry.txn == 4);
    CHECK(refund.entry.kind == EntryKind::kRefund);
    CHECK(refund.entry.amount == 1200);
    CHECK(refund.entry.balanceAfter == 4700);
    CHECK(refund.entry.party == paid.entry.party);
    CHECK(refund.entry.reference == paid.entry.reference);
    CHECK(refund.entry.relatedTxn == 2);
    CHECK(p.card.applet->state().purse.log[1].refunded);
    CHECK(p.status().balance == 4700);

    // Once only: the same cancellation again, or a fresh signature of it, is a retry whose
    // answer was lost: the original signed refund record, no second refund.
    const Bytes afterRefund = imageOf(p);
    const auto again = p.card.send(PurseCard::cancelApdu(11, good));
    CHECK(again.sw == "9000");
    CHECK(again.data == r.data);
    const auto resigned = p.card.send(
        PurseCard::cancelApdu(11, p.signCancellation(p.cancellation(p.shop, 2, "order-7", 1200))));
    CHECK(resigned.sw == "9000");
    CHECK(resigned.data == r.data);
    CHECK(imageOf(p) == afterRefund);
    CHECK(p.status().balance == 4700);
    // The other shop's own payment can be cancelled by it.
    CHECK(p.card
              .send(PurseCard::cancelApdu(
                  12, p.signCancellation(p.cancellation(p.otherShop, 3, "order-8", 300))))
              .sw == "9000");
    CHECK(p.status().balance == 5000);
  }

  TEST_CASE("CANCEL over the maximum: 9402, the cancellation stays usable") {
    PurseCard p(1000);
    p.topUp(1000);
    p.pay("o-1", 600);
    p.topUp(600);
    REQUIRE(p.status().balance == 1000);
    const Bytes c = p.signCancellation(p.cancellation(p.shop, 2, "o-1", 600));
    CHECK(p.card.send(PurseCard::cancelApdu(1, c)).sw == "9402");
    p.pay("o-2", 600);
    CHECK(p.card.send(PurseCard::cancelApdu(1, c)).sw == "9000");
    CHECK(p.status().balance == 1000);
  }

  TEST_CASE("READ LOG: PIN1, from_txn, whole entries per Le, 6Cxx, 61xx") {
    PurseCard p;
    CHECK(p.card.send(PurseCard::readLogApdu(0)).sw == "9000");
    CHECK(p.card.send(PurseCard::readLogApdu(0)).data.empty());
    p.topUp(500);
    p.pay("a", 100);
    p.pay("b", 100, "other.example");
    const auto all = p.card.send(PurseCard::readLogApdu(0));
    REQUIRE(all.sw == "9000");
    const auto entries = entriesOf(all.data);
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].txn == 1);
    CHECK(entries[0].kind == EntryKind::kCredit);
    CHECK(entries[1].reference == hp::base::bytesOf("a"));
    CHECK(entries[2].balanceAfter == 300);
    CHECK(entriesOf(p.card.send(PurseCard::readLogApdu(2)).data).size() == 2);
    CHECK(entriesOf(p.card.send(PurseCard::readLogApdu(3)).data).front().txn == 3);
    CHECK(p.card.send(PurseCard::readLogApdu(4)).data.empty());
    // Le: only whole entries; too short for the first one answers its size.
    const size_t first = 1 + purse::encode(entries[0]).size();
    const size_t second = 1 + purse::encode(entries[1]).size();
    const auto page =
        p.card.send(PurseCard::readLogApdu(0, static_cast<uint32_t>(first + second - 1)));
    CHECK(page.sw == "9000");
    CHECK(entriesOf(page.data).size() == 1);
    CHECK(p.card.send(PurseCard::readLogApdu(0, 10)).sw ==
          hp::card::homecard::test::swHex(static_cast<uint16_t>(0x6C00 + first)));
    // Without Le: a page through GET RESPONSE.
    const auto noLe = p.card.send(PurseCard::readLogApdu(0, 0));
    CHECK(noLe.sw ==
          hp::card::homecard::test::swHex(static_cast<uint16_t>(0x6100 + all.data.size())));
    CHECK(p.card.transceive(PurseCard::readLogApdu(0, 0)).data == all.data);

    CHECK(p.card.send("80 38 00 00 00").sw == "6700");
    CHECK(p.card.send("80 38 00 00 03 00 00 00 00").sw == "6A80");
    CHECK(p.card.send("80 38 00 00 05 00 00 00 00 00 00").sw == "6A80");
    CHECK(p.card.send("80 38 01 00 04 00 00 00 00 00").sw == "6A86");
    p.card.send("00 20 FF 82");
    CHECK(p.card.send(PurseCard::readLogApdu(0)).sw == "9000");  // standby is enough
    p.card.send("00 20 FF 81");
    CHECK(p.card.send(PurseCard::readLogApdu(0)).sw == "6982");
  }

  TEST_CASE("the log keeps the 64 most recent entries; txn keeps counting") {
    PurseCard p;
    p.topUp(100'000);
    for (int i = 0; i < 69; ++i) p.pay("order-" + std::to_string(i), 10);
    const auto s = p.status();
    CHECK(s.lastTxn == 70);
    CHECK(s.oldestLoggedTxn == 7);
    CHECK(s.balance == 100'000 - 690);
    CHECK(p.card.applet->state().purse.log.size() == 64);
    // Read out in pages with an extended Le and in short pages: 7..70 without a gap.
    const auto all = p.card.send(encodeCommandApdu(0x80, 0x38, 0, 0, Bytes{0, 0, 0, 0}, 65536));
    REQUIRE(all.sw == "9000");
    const auto entries = entriesOf(all.data);
    REQUIRE(entries.size() == 64);
    for (size_t i = 0; i < entries.size(); ++i) CHECK(entries[i].txn == 7 + i);
    uint32_t next = 0;
    size_t pages = 0;
    std::vector<uint32_t> seen;
    while (true) {
      const auto page = entriesOf(p.card.send(PurseCard::readLogApdu(next)).data);
      if (page.empty()) break;
      ++pages;
      for (const auto& e : page) seen.push_back(e.txn);
      next = page.back().txn + 1;
    }
    CHECK(pages > 1);
    REQUIRE(seen.size() == 64);
    CHECK(seen.front() == 7);
    CHECK(seen.back() == 70);
    // The payment of txn 2 left the log: an identical DEBIT is now a new payment, and its
    // cancellation is too old to match.
    CHECK(p.card
              .send(PurseCard::cancelApdu(
                  1, p.signCancellation(p.cancellation(p.shop, 2, "order-0", 10))))
              .sw == "6A88");
  }

  TEST_CASE("a storage failure at every purse write: 6581, nothing changed, then it works") {
    PurseCard p(10'000);
    const Bytes v = p.signVoucher(p.voucher(1, 3000));
    std::vector<Bytes> steps = {
        PurseCard::creditApdu(1, v),
        PurseCard::debitApdu(2, "shop.example", "o-1", "EUR", 700),
        PurseCard::cancelApdu(3, p.signCancellation(p.cancellation(p.shop, 2, "o-1", 700))),
    };
    for (const Bytes& step : steps) {
      CAPTURE(toHex(step));
      const Bytes before = imageOf(p);
      const auto statusBefore = p.status();
      p.card.storage.failNextStores(0, 1);
      CHECK(p.card.send(step).sw == "6581");
      CHECK(imageOf(p) == before);
      CHECK(p.status().balance == statusBefore.balance);
      CHECK(p.status().lastTxn == statusBefore.lastTxn);
      // A restart from storage sees the same.
      p.card.reopen();
      CHECK(p.card.applet->state().serialize() == before);
      p.card.select();
      p.card.verifyPin1();
      p.card.verifyPin2();
      CHECK(p.card.send(step).sw == "9000");
    }
    CHECK(p.status().balance == 3000);
    CHECK(p.status().lastTxn == 3);
  }

  TEST_CASE("the purse survives a restart byte-exact; version-1 images load without a purse") {
    PurseCard p;
    p.topUp(2000);
    const Bytes payment = p.pay("o-1", 150);
    const Bytes image = imageOf(p);
    const auto parsed = HomeCardState::deserialize(image);
    REQUIRE(parsed.has_value());
    CHECK(parsed->serialize() == image);
    CHECK(parsed->purse == p.card.applet->state().purse);
    p.card.reopen();
    CHECK(p.card.applet->state().serialize() == image);
    p.card.select();
    p.card.verifyPin1();
    p.card.verifyPin2();
    CHECK(p.status().balance == 1850);
    // The record is the same after the restart (deterministic signature over the logged entry).
    CHECK(p.card.send(PurseCard::debitApdu(5, "shop.example", "o-1", "EUR", 150)).data == payment);

    // A version-1 image (before the purse existed) is this layout with an empty purse section.
    // (and without the card authentication section of version 3 and later: its tag and u32 length).
    HomeCardState noPurse = *parsed;
    noPurse.purse = {};
    noPurse.cardAuthPrivate = {};
    Bytes v1 = noPurse.serialize();
    CHECK(v1[2] == 4);
    v1.resize(v1.size() - 5);
    v1[2] = 1;
    const auto old = HomeCardState::deserialize(v1);
    REQUIRE(old.has_value());
    CHECK_FALSE(old->purse.initialized);
    CHECK(old->hasEcKey());
    CHECK(old->serialize()[2] == 4);
    // A version-1 image with a purse section, and unknown versions, are refused.
    Bytes v1WithPurse = image;
    v1WithPurse[2] = 1;
    CHECK_FALSE(HomeCardState::deserialize(v1WithPurse).has_value());
    Bytes v5 = image;
    v5[2] = 5;
    CHECK_FALSE(HomeCardState::deserialize(v5).has_value());
  }

  TEST_CASE("malformed purse sections are refused") {
    PurseCard p;
    p.topUp(2000);
    p.pay("o-1", 150);
    const HomeCardState good = p.card.applet->state();
    auto refused = [&](const std::function<void(hp::card::homecard::PurseState&)>& damage) {
      HomeCardState s = good;
      damage(s.purse);
      CHECK_FALSE(HomeCardState::deserialize(s.serialize()).has_value());
    };
    refused([](auto& q) { q.currency = "eu1"; });
    refused([](auto& q) { q.maxBalance = 0; });
    refused([](auto& q) { q.balance = q.maxBalance + 1; });
    refused([](auto& q) { q.balance += 1; });  // disagrees with the last entry
    refused([](auto& q) { q.lastTxn += 1; });  // log no longer ends at lastTxn
    refused([](auto& q) { q.log[0].entry.txn = 5; });
    refused([](auto& q) { q.log[0].refunded = true; });  // a credit cannot be refunded
    refused([](auto& q) { q.creditSeq = 0; });           // a logged credit beyond the counter
    refused([](auto& q) { q.log[1].entry.currency = "USD"; });
    refused([](auto& q) {
      while (q.log.size() <= hp::card::homecard::PurseState::kLogCapacity)
        q.log.push_back(q.log.back());
    });
    // Truncated and extended sections.
    const Bytes image = good.serialize();
    CHECK_FALSE(HomeCardState::deserialize(Bytes(image.begin(), image.end() - 1)).has_value());
    HomeCardState fine = good;
    CHECK(HomeCardState::deserialize(fine.serialize()).has_value());
  }
}
