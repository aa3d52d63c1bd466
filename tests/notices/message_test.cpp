// The notice text: amounts, times, headers, the gap note, and that nothing from the card can
// inject a header or a line.
#include <doctest.h>

#include "host/notices/notice_message.hpp"
#include "tests/notices/mail_text.hpp"
#include "tests/notices/sample_entries.hpp"

using namespace hp;
using namespace hp::notices;
using namespace hp::notices::test;

namespace {

OutboxBatch batchOf(std::vector<QueuedEntry> entries) {
  OutboxBatch batch;
  batch.purseIdHex = kPurseId;
  batch.messageId = noticeMessageId(kPurseId, entries.front().entry.txn, entries.back().entry.txn);
  batch.entries = std::move(entries);
  return batch;
}

}  // namespace

TEST_SUITE("message") {
  TEST_CASE("amounts are shown in major.minor with the currency's decimals") {
    CHECK(formatAmount(1250, "EUR") == "12.50 EUR");
    CHECK(formatAmount(5, "EUR") == "0.05 EUR");
    CHECK(formatAmount(0, "USD") == "0.00 USD");
    CHECK(formatAmount(100000, "EUR") == "1000.00 EUR");
    CHECK(formatAmount(1250, "JPY") == "1250 JPY");
    CHECK(formatAmount(1250, "KWD") == "1.250 KWD");
    CHECK(formatAmount(18446744073709551615ULL, "EUR") == "184467440737095516.15 EUR");
  }

  TEST_CASE("times are UTC: ISO 8601 in the body, RFC 5322 in the Date header") {
    CHECK(formatIsoUtc(1'796'119'200'250) == "2026-12-01T10:00:00.250Z");
    CHECK(formatIsoUtc(0) == "1970-01-01T00:00:00.000Z");
    CHECK(formatMailDate(1'796'119'200'250) == "Tue, 01 Dec 2026 10:00:00 +0000");
    CHECK(formatMailDate(951'782'400'000) == "Tue, 29 Feb 2000 00:00:00 +0000");
  }

  TEST_CASE("the Message-ID is derived from purse ID and txn") {
    CHECK(noticeMessageId(kPurseId, 7, 7) == "<0123456789ABCDEF-7@homeproxy>");
    CHECK(noticeMessageId(kPurseId, 5, 9) == "<0123456789ABCDEF-5-9@homeproxy>");
  }

  TEST_CASE("mail addresses: plain addr-specs only") {
    CHECK(validMailAddress("user@example.org"));
    CHECK(validMailAddress("home.proxy+notices@localhost"));
    CHECK_FALSE(validMailAddress(""));
    CHECK_FALSE(validMailAddress("user"));
    CHECK_FALSE(validMailAddress("@example.org"));
    CHECK_FALSE(validMailAddress("user@"));
    CHECK_FALSE(validMailAddress("a@b@c"));
    CHECK_FALSE(validMailAddress("User <user@example.org>"));
    CHECK_FALSE(validMailAddress("user@example.org\r\nBcc: victim@example.org"));
    CHECK_FALSE(validMailAddress("user@example.org>\r\nRCPT TO:<x@y"));
  }

  TEST_CASE("one payment: headers and a readable body") {
    const auto message = composeNotice(batchOf({{debitEntry(7, 1250, 8750, "ORDER-42"), 6}}),
                                       "home@example.org", "user@example.org", 1'796'119'260'000);
    CHECK(headerOf(message, "Date") == "Tue, 01 Dec 2026 10:01:00 +0000");
    CHECK(headerOf(message, "From") == "home@example.org");
    CHECK(headerOf(message, "To") == "user@example.org");
    CHECK(headerOf(message, "Message-ID") == "<0123456789ABCDEF-7@homeproxy>");
    CHECK(headerOf(message, "Subject") ==
          "Purse 0123456789ABCDEF: payment of 12.50 EUR to localhost (txn 7)");
    CHECK(headerOf(message, "MIME-Version") == "1.0");
    const auto body = bodyOf(message);
    CHECK(body.find("txn 7: payment\r\n") != std::string::npos);
    CHECK(body.find("  time:           2026-12-01T10:00:07.250Z\r\n") != std::string::npos);
    CHECK(body.find("  shop:           localhost\r\n") != std::string::npos);
    CHECK(body.find("  order:          ORDER-42\r\n") != std::string::npos);
    CHECK(body.find("  amount:         -12.50 EUR\r\n") != std::string::npos);
    CHECK(body.find("  balance after:  87.50 EUR\r\n") != std::string::npos);
    CHECK(body.find("missing") == std::string::npos);  // 6 then 7: no gap
    // Every line ends in CRLF, and no bare LF or CR hides anywhere.
    for (size_t i = 0; i < message.size(); ++i) {
      if (message[i] == '\n') REQUIRE((i > 0 && message[i - 1] == '\r'));
      if (message[i] == '\r') REQUIRE((i + 1 < message.size() && message[i + 1] == '\n'));
    }
  }

  TEST_CASE("a batch of all three kinds, in txn order") {
    const auto message = composeNotice(batchOf({{creditEntry(1, 10000, 10000, 1), 0},
                                                {debitEntry(2, 1250, 8750, "ORDER-42"), 1},
                                                {refundEntry(3, 1250, 10000, 2, "ORDER-42"), 2}}),
                                       "home@example.org", "user@example.org", 1'796'119'260'000);
    CHECK(headerOf(message, "Subject") == "Purse 0123456789ABCDEF: 3 new entries (txn 1 to 3)");
    CHECK(headerOf(message, "Message-ID") == "<0123456789ABCDEF-1-3@homeproxy>");
    const auto body = bodyOf(message);
    const auto credit = body.find("txn 1: top-up\r\n");
    const auto debit = body.find("txn 2: payment\r\n");
    const auto refund = body.find("txn 3: refund\r\n");
    REQUIRE(credit != std::string::npos);
    REQUIRE(debit != std::string::npos);
    REQUIRE(refund != std::string::npos);
    CHECK(credit < debit);
    CHECK(debit < refund);
    CHECK(body.find("  bank:           testbank\r\n") != std::string::npos);
    CHECK(body.find("  voucher:        A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5\r\n") != std::string::npos);
    CHECK(body.find("  credit number:  1\r\n") != std::string::npos);
    CHECK(body.find("  amount:         +100.00 EUR\r\n") != std::string::npos);
    CHECK(body.find("  refund of:      txn 2\r\n") != std::string::npos);
    CHECK(body.find("  amount:         +12.50 EUR\r\n", refund) != std::string::npos);
    CHECK(body.find("missing") == std::string::npos);
  }

  TEST_CASE("a gap in the txn numbers is noted before the entry that follows it") {
    const auto message = composeNotice(batchOf({{debitEntry(70, 100, 900), 5},
                                                {debitEntry(71, 100, 800), 70},
                                                {debitEntry(73, 100, 700), 71}}),
                                       "home@example.org", "user@example.org", 0);
    const auto body = bodyOf(message);
    const auto many = body.find(
        "Note: txn 6 to 69 are missing: they dropped out of the card's "
        "64-entry log\r\n");
    const auto one = body.find("Note: txn 72 is missing: it dropped out");
    REQUIRE(many != std::string::npos);
    REQUIRE(one != std::string::npos);
    CHECK(many < body.find("txn 70: payment"));
    CHECK(body.find("txn 71: payment") < one);
    CHECK(one < body.find("txn 73: payment"));
  }

  TEST_CASE("the first entry ever queued is a gap unless it is txn 1") {
    const auto fromStart = composeNotice(batchOf({{debitEntry(1, 100, 900), 0}}), "a@b", "c@d", 0);
    CHECK(fromStart.find("missing") == std::string::npos);
    const auto late = composeNotice(batchOf({{debitEntry(9, 100, 900), 0}}), "a@b", "c@d", 0);
    CHECK(late.find("Note: txn 1 to 8 are missing") != std::string::npos);
  }

  TEST_CASE("IDs from the card that are not printable ASCII are shown as hex") {
    auto entry = debitEntry(4, 100, 900, "x\r\nBcc: victim@example.org", "evil\nshop");
    const auto message = composeNotice(batchOf({{entry, 3}}), "a@b", "c@d", 0);
    CHECK(message.find("Bcc:") == std::string::npos);
    CHECK(headerOf(message, "Subject") ==
          "Purse 0123456789ABCDEF: payment of 1.00 EUR to hex 6576696C0A73686F70 (txn 4)");
    CHECK(message.find("  order:          hex 780D0A4263633A20") != std::string::npos);
  }
}
