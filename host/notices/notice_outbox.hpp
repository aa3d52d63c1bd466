// The outbox of payment notices (docs/emoney.md, "Payment notices"): the card's log entries
// waiting to be mailed, in SQLite (WAL), one row per (purse ID, txn), so an entry is queued
// once however often the same log is read. Rows go queued -> sent and are kept, so
// lastQueuedTxn() tells the home server where to continue READ LOG, and a re-read never mails
// an entry twice.
//
// Entries are mailed in batches (one mail for the entries of one purse queued since the last
// flush, up to a cap). A batch and its Message-ID are fixed and committed before the first
// attempt to send it, so every resend (after a failure or a crash) is the same mail with the
// same Message-ID.
//
// Thread-safe: one connection, every call serialized (the home server enqueues from its RPC
// threads while the mailer thread sends).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "host/notices/wall_clock.hpp"
#include "host/sqlite/sqlite_db.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::notices {

// One entry as it will be mailed, with the txn queued before it for the same purse (0: none),
// so the mail can say which txns are missing (entries that dropped out of the card's log).
struct QueuedEntry {
  protocol::purse::LogEntry entry;
  uint32_t previousTxn = 0;
  std::string terminal;  // the till that made this payment (noteTerminal), or empty
};

// One mail: entries of one purse in txn order, under one Message-ID.
struct OutboxBatch {
  std::string purseIdHex;  // 16 upper-case hex digits
  std::string messageId;   // "<PURSEID-TXN@homeproxy>" or "<PURSEID-FIRST-LAST@homeproxy>"
  std::vector<QueuedEntry> entries;
  uint32_t attempts = 0;      // failed attempts so far
  int64_t nextAttemptMs = 0;  // Unix ms; due when <= now
};

// One row as stored, for status output and tests.
struct NoticeRow {
  uint32_t txn = 0;
  bool sent = false;
  uint32_t attempts = 0;
  int64_t nextAttemptMs = 0;
  std::string messageId;  // empty until the entry is put in a batch
  int64_t queuedMs = 0;
  std::optional<int64_t> sentMs;
  std::string lastError;
};

class NoticeOutbox {
 public:
  // Opens or creates the outbox file; the clock stamps queue and send times and must outlive
  // the outbox (the one-argument form uses the system clock).
  static Result<std::unique_ptr<NoticeOutbox>> open(const std::string& path, WallClock& clock);
  static Result<std::unique_ptr<NoticeOutbox>> open(const std::string& path);

  // Queues the entries not yet in the outbox (sent or not) for this purse; returns how many
  // were new. The purse ID is 16 hex digits (either case). Nothing is queued if any entry is
  // invalid (txn 0, a bad currency): the whole call is one transaction.
  Result<size_t> enqueue(std::string_view purseIdHex,
                         const std::vector<protocol::purse::LogEntry>& entries);
  // Which till terminal made the payment `txn` (the mail names it); kept apart from the entries,
  // which are the card's log alone. Written before the purse change is announced.
  Result<void> noteTerminal(std::string_view purseIdHex, uint32_t txn, std::string_view terminal);
  // The highest txn ever queued for this purse (0: none): READ LOG continues at this + 1.
  Result<uint32_t> lastQueuedTxn(std::string_view purseIdHex);

  // For the mailer. Puts every queued entry that has no batch yet into batches of at most
  // maxEntriesPerBatch consecutive queued entries of one purse and commits their Message-IDs,
  // then returns all unsent batches, ordered by purse and txn.
  Result<std::vector<OutboxBatch>> pendingBatches(size_t maxEntriesPerBatch);
  // The SMTP server accepted the batch: its rows become sent, in one transaction.
  Result<void> markSent(const OutboxBatch& batch);
  // The send failed: the batch's attempt count goes up, its error is kept, and no queued row is
  // due before retryAtMs (the server is down for all of them, not only for this batch).
  Result<void> markFailed(const OutboxBatch& batch, int64_t retryAtMs, std::string_view error);
  // The earliest next attempt among unsent rows; nullopt when nothing is queued.
  Result<std::optional<int64_t>> earliestAttemptMs();

  // Every row of one purse, in txn order.
  Result<std::vector<NoticeRow>> rows(std::string_view purseIdHex);

 private:
  NoticeOutbox(std::unique_ptr<sqlite::Database> db, WallClock& clock)
      : db_(std::move(db)), clock_(clock) {}
  Result<void> assignBatches(size_t maxEntriesPerBatch);

  std::mutex mutex_;
  std::unique_ptr<sqlite::Database> db_;
  WallClock& clock_;
};

// "0123456789abcdef" -> "0123456789ABCDEF"; nullopt unless exactly 16 hex digits.
std::optional<std::string> normalizePurseIdHex(std::string_view purseIdHex);

}  // namespace hp::notices
