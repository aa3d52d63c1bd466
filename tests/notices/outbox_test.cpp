// The SQLite outbox: each (purse, txn) queued once, rows survive a reopen, batches and their
// Message-IDs are fixed before the first send, failures postpone, bad input changes nothing.
#include <doctest.h>
#include <sqlite3.h>

#include "host/notices/notice_outbox.hpp"
#include "tests/notices/sample_entries.hpp"
#include "tests/notices/scratch_dir.hpp"

using namespace hp;
using namespace hp::notices;
using namespace hp::notices::test;

namespace {

std::unique_ptr<NoticeOutbox> openOutbox(const std::string& path, WallClock& clock) {
  auto outbox = NoticeOutbox::open(path, clock);
  INFO((outbox ? "" : outbox.error().message));
  REQUIRE(outbox.ok());
  return std::move(*outbox);
}

std::vector<protocol::purse::LogEntry> debits(uint32_t first, uint32_t last) {
  std::vector<protocol::purse::LogEntry> out;
  for (uint32_t t = first; t <= last; ++t) {
    out.push_back(debitEntry(t, 100, 10000 - 100 * t, "ORDER-" + std::to_string(t)));
  }
  return out;
}

constexpr const char* kOtherPurse = "FEDCBA9876543210";

}  // namespace

TEST_SUITE("outbox") {
  TEST_CASE("an entry is queued once, however often the same log is read") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    auto outbox = openOutbox(dir.file("outbox.db"), clock);
    CHECK(outbox->lastQueuedTxn(kPurseId).value() == 0);
    CHECK(outbox->enqueue(kPurseId, debits(1, 3)).value() == 3);
    CHECK(outbox->enqueue(kPurseId, debits(1, 3)).value() == 0);
    CHECK(outbox->enqueue(kPurseId, debits(2, 5)).value() == 2);  // 4 and 5 are new
    // Lower-case hex is the same purse.
    CHECK(outbox->enqueue("0123456789abcdef", debits(5, 5)).value() == 0);
    CHECK(outbox->lastQueuedTxn(kPurseId).value() == 5);
    const auto rows = outbox->rows(kPurseId).value();
    REQUIRE(rows.size() == 5);
    for (uint32_t i = 0; i < 5; ++i) {
      CHECK(rows[i].txn == i + 1);
      CHECK_FALSE(rows[i].sent);
      CHECK(rows[i].attempts == 0);
      CHECK(rows[i].queuedMs == 1'796'119'200'000);
    }
    // Another purse has its own numbers.
    CHECK(outbox->lastQueuedTxn(kOtherPurse).value() == 0);
    CHECK(outbox->enqueue(kOtherPurse, debits(1, 2)).value() == 2);
    CHECK(outbox->lastQueuedTxn(kOtherPurse).value() == 2);
    CHECK(outbox->lastQueuedTxn(kPurseId).value() == 5);
  }

  TEST_CASE("an entry already sent is not queued again") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    auto outbox = openOutbox(dir.file("outbox.db"), clock);
    REQUIRE(outbox->enqueue(kPurseId, debits(1, 2)).value() == 2);
    auto batches = outbox->pendingBatches(16).value();
    REQUIRE(batches.size() == 1);
    REQUIRE(outbox->markSent(batches[0]).ok());
    CHECK(outbox->enqueue(kPurseId, debits(1, 2)).value() == 0);
    CHECK(outbox->pendingBatches(16).value().empty());
    CHECK(outbox->lastQueuedTxn(kPurseId).value() == 2);
  }

  TEST_CASE("queued entries, batches and attempts survive closing and reopening") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    const std::string path = dir.file("outbox.db");
    std::string messageId;
    {
      auto outbox = openOutbox(path, clock);
      REQUIRE(outbox->enqueue(kPurseId, debits(1, 3)).value() == 3);
      auto batches = outbox->pendingBatches(16).value();
      REQUIRE(batches.size() == 1);
      messageId = batches[0].messageId;
      REQUIRE(outbox->markFailed(batches[0], 1'796'119'205'000, "connection refused").ok());
    }
    auto reopened = openOutbox(path, clock);
    CHECK(reopened->lastQueuedTxn(kPurseId).value() == 3);
    auto batches = reopened->pendingBatches(16).value();
    REQUIRE(batches.size() == 1);
    CHECK(batches[0].messageId == messageId);
    CHECK(batches[0].attempts == 1);
    CHECK(batches[0].nextAttemptMs == 1'796'119'205'000);
    REQUIRE(batches[0].entries.size() == 3);
    CHECK(batches[0].entries[0].entry == debits(1, 1)[0]);  // the entry itself, byte for byte
    CHECK(reopened->rows(kPurseId).value()[0].lastError == "connection refused");
    CHECK(reopened->enqueue(kPurseId, debits(1, 3)).value() == 0);
  }

  TEST_CASE("a batch is fixed before its first attempt; later entries make a new batch") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    auto outbox = openOutbox(dir.file("outbox.db"), clock);
    REQUIRE(outbox->enqueue(kPurseId, debits(1, 2)).value() == 2);
    auto first = outbox->pendingBatches(16).value();
    REQUIRE(first.size() == 1);
    CHECK(first[0].messageId == "<0123456789ABCDEF-1-2@homeproxy>");
    REQUIRE(outbox->enqueue(kPurseId, debits(3, 3)).value() == 1);
    auto both = outbox->pendingBatches(16).value();
    REQUIRE(both.size() == 2);
    CHECK(both[0].messageId == "<0123456789ABCDEF-1-2@homeproxy>");
    CHECK(both[0].entries.size() == 2);
    CHECK(both[1].messageId == "<0123456789ABCDEF-3@homeproxy>");
    REQUIRE(both[1].entries.size() == 1);
    CHECK(both[1].entries[0].previousTxn == 2);
    const auto rows = outbox->rows(kPurseId).value();
    CHECK(rows[0].messageId == rows[1].messageId);
    CHECK(rows[2].messageId == "<0123456789ABCDEF-3@homeproxy>");
  }

  TEST_CASE("batches hold at most the cap, per purse") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    auto outbox = openOutbox(dir.file("outbox.db"), clock);
    REQUIRE(outbox->enqueue(kPurseId, debits(1, 5)).value() == 5);
    REQUIRE(outbox->enqueue(kOtherPurse, debits(1, 1)).value() == 1);
    auto batches = outbox->pendingBatches(2).value();
    REQUIRE(batches.size() == 4);
    // Ordered by purse ID, then txn.
    CHECK(batches[0].messageId == "<0123456789ABCDEF-1-2@homeproxy>");
    CHECK(batches[1].messageId == "<0123456789ABCDEF-3-4@homeproxy>");
    CHECK(batches[2].messageId == "<0123456789ABCDEF-5@homeproxy>");
    CHECK(batches[3].messageId == "<FEDCBA9876543210-1@homeproxy>");
    CHECK(batches[3].purseIdHex == kOtherPurse);
  }

  TEST_CASE("the previous txn shows entries that never reached the outbox") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    auto outbox = openOutbox(dir.file("outbox.db"), clock);
    auto entries = debits(10, 11);
    entries.push_back(debits(14, 14)[0]);
    REQUIRE(outbox->enqueue(kPurseId, entries).value() == 3);
    auto batches = outbox->pendingBatches(16).value();
    REQUIRE(batches.size() == 1);
    REQUIRE(batches[0].entries.size() == 3);
    CHECK(batches[0].entries[0].previousTxn == 0);
    CHECK(batches[0].entries[1].previousTxn == 10);
    CHECK(batches[0].entries[2].previousTxn == 11);
  }

  TEST_CASE("a failure postpones every queued entry, and a send marks only its batch") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    auto outbox = openOutbox(dir.file("outbox.db"), clock);
    REQUIRE(outbox->enqueue(kPurseId, debits(1, 4)).value() == 4);
    auto batches = outbox->pendingBatches(2).value();
    REQUIRE(batches.size() == 2);
    CHECK(outbox->earliestAttemptMs().value() == std::optional<int64_t>(0));
    REQUIRE(outbox->markFailed(batches[0], 1'796'119'210'000, "451 try later").ok());
    CHECK(outbox->earliestAttemptMs().value() == std::optional<int64_t>(1'796'119'210'000));
    auto again = outbox->pendingBatches(2).value();
    CHECK(again[0].attempts == 1);
    CHECK(again[1].attempts == 0);  // postponed, not attempted
    CHECK(again[1].nextAttemptMs == 1'796'119'210'000);

    clock.advanceMs(10'000);
    REQUIRE(outbox->markSent(again[1]).ok());
    const auto rows = outbox->rows(kPurseId).value();
    CHECK_FALSE(rows[0].sent);
    CHECK_FALSE(rows[1].sent);
    CHECK(rows[2].sent);
    CHECK(rows[3].sent);
    CHECK(rows[2].sentMs == std::optional<int64_t>(1'796'119'210'000));
    CHECK_FALSE(rows[0].sentMs.has_value());
    REQUIRE(outbox->markSent(again[0]).ok());
    CHECK(outbox->earliestAttemptMs().value() == std::nullopt);
    CHECK(outbox->pendingBatches(2).value().empty());
  }

  TEST_CASE("bad input is refused with a clear error and queues nothing") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    auto outbox = openOutbox(dir.file("outbox.db"), clock);
    auto badId = outbox->enqueue("0123", debits(1, 1));
    REQUIRE_FALSE(badId.ok());
    CHECK(badId.error().message.find("purse ID") != std::string::npos);
    CHECK_FALSE(outbox->enqueue("0123456789ABCDEG", debits(1, 1)).ok());
    CHECK_FALSE(outbox->lastQueuedTxn("xyz").ok());

    auto entries = debits(1, 3);
    entries[2].currency = "eur";
    auto badEntry = outbox->enqueue(kPurseId, entries);
    REQUIRE_FALSE(badEntry.ok());
    CHECK(badEntry.error().message.find("txn 3") != std::string::npos);
    entries = debits(1, 2);
    entries[1].txn = 0;
    CHECK_FALSE(outbox->enqueue(kPurseId, entries).ok());
    entries = debits(1, 2);
    entries[1].party.clear();
    CHECK_FALSE(outbox->enqueue(kPurseId, entries).ok());
    // Nothing of the refused calls was queued, not even their valid entries.
    CHECK(outbox->lastQueuedTxn(kPurseId).value() == 0);
    CHECK(outbox->rows(kPurseId).value().empty());
  }

  TEST_CASE("the outbox file is in WAL mode (readers never block the writer)") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    auto outbox = openOutbox(dir.file("outbox.db"), clock);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.file("outbox.db").c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }

  TEST_CASE("a file that is not a database is a clear error") {
    ScratchDir dir;
    ManualWallClock clock(1'796'119'200'000);
    {
      FILE* f = fopen(dir.file("junk.db").c_str(), "w");
      REQUIRE(f != nullptr);
      fputs("this is not an SQLite database, just some text that is long enough", f);
      fclose(f);
    }
    auto junk = NoticeOutbox::open(dir.file("junk.db"), clock);
    REQUIRE_FALSE(junk.ok());
    CHECK(junk.error().message.find("notice outbox") != std::string::npos);
    auto missingDir = NoticeOutbox::open(dir.file("no/such/dir/outbox.db"), clock);
    REQUIRE_FALSE(missingDir.ok());
    CHECK(missingDir.error().message.find("cannot open") != std::string::npos);
  }
}
