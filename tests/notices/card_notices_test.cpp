// The notices against the real home card's log (the applet in-process, tests/card_adapters'
// fixture) and a real SMTP server: the collect step a home server runs (PURSE STATUS, READ LOG
// from lastQueuedTxn + 1, enqueue) and the mailer together mail every card entry exactly once,
// with the card's own figures, and say which entries dropped out of the 64-entry log unread.
#include <doctest.h>

#include <map>

#include "base/ec_key.hpp"
#include "host/notices/notice_mailer.hpp"
#include "host/notices/notice_message.hpp"
#include "host/notices/smtp_sender.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tests/card_adapters/fixture.hpp"
#include "tests/notices/mail_text.hpp"
#include "tests/notices/smtp_test_server.hpp"

using namespace hp;
using namespace hp::notices;
using hp::card_adapters::test::must;
using hp::card_adapters::test::mustOk;
namespace purse = hp::protocol::purse;

namespace {

constexpr uint64_t kTimeMs = 1'796'119'200'000;

// What the home server does before each flush.
void collect(card_adapters::HomeCardClient& card, NoticeOutbox& outbox) {
  const auto status = must(card.purseStatus());
  const std::string purseId = toHex(status.purseId);
  const uint32_t from = must(outbox.lastQueuedTxn(purseId)) + 1;
  if (status.lastTxn < from) return;
  REQUIRE(outbox.enqueue(purseId, must(card.readLog(from))).ok());
}

// Per mailed entry: how often it was mailed and the "amount" and "balance after" lines.
struct Mailed {
  int times = 0;
  std::string kind, amount, balanceAfter;
};

std::string lineValue(const std::string& block, const std::string& label) {
  const auto at = block.find("  " + label);
  if (at == std::string::npos) return "";
  const auto start = block.find_first_not_of(' ', at + 2 + label.size());
  return block.substr(start, block.find("\r\n", start) - start);
}

std::map<uint32_t, Mailed> entriesIn(const std::vector<notices::test::ReceivedMail>& mails,
                                     std::string& notes) {
  std::map<uint32_t, Mailed> out;
  for (const auto& mail : mails) {
    const std::string body = notices::test::bodyOf(mail.content);
    size_t at = 0;
    while (at < body.size()) {
      const auto end = body.find("\r\n\r\n", at);
      const std::string block = body.substr(at, end == std::string::npos ? end : end - at);
      at = end == std::string::npos ? body.size() : end + 4;
      if (block.rfind("Note: ", 0) == 0) notes += block + "\n";
      if (block.rfind("txn ", 0) != 0) continue;
      const auto txn = static_cast<uint32_t>(std::stoul(block.substr(4)));
      Mailed& m = out[txn];
      ++m.times;
      m.kind = block.substr(block.find(": ") + 2, block.find("\r\n") - block.find(": ") - 2);
      m.amount = lineValue(block, "amount:");
      m.balanceAfter = lineValue(block, "balance after:");
    }
  }
  return out;
}

}  // namespace

TEST_SUITE("card") {
  TEST_CASE("every entry of the card's log is mailed once; the ones that dropped out are named") {
    card_adapters::test::HomeCard home;
    card_adapters::HomeCardClient& card = *home.client;
    REQUIRE(must(card.verifyPin1(card_adapters::test::kHomePin1)).verified());
    REQUIRE(must(card.verifyPin2(card_adapters::test::kHomePin2)).verified());
    auto rng = base::makeSeededRng(card_adapters::test::testSeed() ^ 0x70);
    auto bankKey = must(base::EcKeyPair::generate(*rng));
    auto shopKey = must(base::EcKeyPair::generate(*rng));
    mustOk(card.registryAdd(card_adapters::HomeRegistry::kBanks, bytesOf("bank"),
                            bankKey->publicPoint()));
    mustOk(card.registryAdd(card_adapters::HomeRegistry::kShops, bytesOf("localhost"),
                            shopKey->publicPoint()));
    const auto purseIdBytes = must(card.purseInit("EUR", 1'000'000));
    const std::string purseId = toHex(purseIdBytes);

    notices::test::SmtpTestServer server;
    server.start();
    ManualWallClock clock(1'796'119'260'000);
    auto outbox = std::move(NoticeOutbox::open(server.scratchDir() + "/outbox.db", clock).value());
    auto sender = std::move(SmtpSender::create({.url = server.url()}).value());
    auto mailer =
        std::move(NoticeMailer::create(*outbox, *sender, clock,
                                       {"homeproxy@home.example", "user@example.org", 16, {}},
                                       [](NoticeLogLevel, std::string_view) {})
                      .value());
    auto collectAndFlush = [&](size_t expectMails) {
      collect(card, *outbox);
      auto flushed = mailer->flush();
      REQUIRE(flushed.ok());
      CHECK(flushed->mailsSent == expectMails);
      CHECK(flushed->mailsFailed == 0);
    };

    // txn 1: a top-up of 5000.00 EUR (a bank-signed voucher).
    purse::Voucher voucher;
    voucher.bankId = bytesOf("bank");
    voucher.purseId = purseIdBytes;
    voucher.voucherId.fill(0x5A);
    voucher.creditSeq = 1;
    voucher.currency = "EUR";
    voucher.amount = 500'000;
    const Bytes voucherBody = purse::encode(voucher);
    const Bytes signedVoucher = purse::appendSignature(
        voucherBody,
        must(bankKey->signHash(purse::signedHash(purse::kVoucherLabel, voucherBody), *rng)));
    must(card.credit(kTimeMs, signedVoucher));
    // Payments of 1.01, 1.02, ... EUR: txn t pays 100 + t minor units.
    uint64_t balance = 500'000;
    std::map<uint32_t, uint64_t> balanceAfter{{1, balance}};
    auto pay = [&](uint32_t txn) {
      must(card.debit(kTimeMs + txn, bytesOf("localhost"), bytesOf("ORDER-" + std::to_string(txn)),
                      "EUR", 100 + txn));
      balance -= 100 + txn;
      balanceAfter[txn] = balance;
    };

    for (uint32_t t = 2; t <= 4; ++t) pay(t);
    collectAndFlush(1);  // txn 1-4, one mail
    collectAndFlush(0);  // nothing new: nothing queued, nothing mailed
    // 80 payments while the home server does not read the log: only the last 64 stay on it.
    for (uint32_t t = 5; t <= 84; ++t) pay(t);
    collectAndFlush(4);  // txn 21-84, 16 per mail
    CHECK(outbox->lastQueuedTxn(purseId).value() == 84);

    REQUIRE(server.waitForMails(5, std::chrono::seconds(10)));
    const auto mails = server.mails();
    REQUIRE(mails.size() == 5);
    std::string notes;
    const auto mailed = entriesIn(mails, notes);
    for (uint32_t t = 1; t <= 84; ++t) {
      INFO("txn " << t);
      const bool dropped = t >= 5 && t <= 20;
      const auto found = mailed.find(t);
      if (dropped) {
        CHECK(found == mailed.end());
        continue;
      }
      REQUIRE(found != mailed.end());
      CHECK(found->second.times == 1);
      CHECK(found->second.kind == (t == 1 ? "top-up" : "payment"));
      CHECK(found->second.amount == (t == 1 ? "+5000.00 EUR" : "-" + formatAmount(100 + t, "EUR")));
      CHECK(found->second.balanceAfter == formatAmount(balanceAfter[t], "EUR"));
    }
    CHECK(notes.find("Note: txn 5 to 20 are missing") != std::string::npos);
    CHECK(notices::test::headerOf(mails[0].content, "Message-ID") ==
          "<" + purseId + "-1-4@homeproxy>");
    CHECK(notices::test::headerOf(mails[1].content, "Message-ID") ==
          "<" + purseId + "-21-36@homeproxy>");
  }
}
