#include "host/notices/notice_outbox.hpp"

#include <cctype>

#include "host/notices/notice_message.hpp"

namespace hp::notices {

namespace purse = protocol::purse;

namespace {

// state: 'queued' until the SMTP server accepted the mail, then 'sent' (never back).
// message_id: NULL until the entry is put in a batch; fixed from then on.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS notices (
  purse_id        TEXT    NOT NULL,
  txn             INTEGER NOT NULL CHECK (txn > 0),
  entry           BLOB    NOT NULL,
  state           TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  message_id      TEXT,
  queued_ms       INTEGER NOT NULL,
  sent_ms         INTEGER,
  last_error      TEXT,
  PRIMARY KEY (purse_id, txn)
);
CREATE INDEX IF NOT EXISTS notices_queued ON notices (state, purse_id, txn);
CREATE TABLE IF NOT EXISTS notice_terminals (
  purse_id        TEXT    NOT NULL,
  txn             INTEGER NOT NULL CHECK (txn > 0),
  terminal        TEXT    NOT NULL,
  PRIMARY KEY (purse_id, txn)
);
)sql";

// An entry is stored only if it encodes to something the strict decoder takes back, so a row
// can always be mailed later.
std::optional<std::string> entryProblem(const purse::LogEntry& entry) {
  if (entry.txn == 0) return "txn 0";
  if (!purse::validCurrency(entry.currency)) return "currency is not three upper-case letters";
  if (!purse::decodeLogEntry(purse::encode(entry))) return "party or reference length out of range";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> normalizePurseIdHex(std::string_view purseIdHex) {
  if (purseIdHex.size() != 2 * purse::kPurseIdSize) return std::nullopt;
  std::string out;
  for (char c : purseIdHex) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Result<std::unique_ptr<NoticeOutbox>> NoticeOutbox::open(const std::string& path) {
  static SystemWallClock systemClock;
  return open(path, systemClock);
}

Result<std::unique_ptr<NoticeOutbox>> NoticeOutbox::open(const std::string& path,
                                                         WallClock& clock) {
  auto db = sqlite::Database::open(path);
  if (!db) return makeError("notice outbox: " + db.error().message);
  // sqlite::Database opens in WAL (the mailer's reads never block the home server's enqueue)
  // with synchronous=FULL (a row marked sent stays sent through a power cut).
  auto ready = (*db)->exec(kSchema, "notice outbox: create the schema");
  if (!ready) return ready.error();
  return std::unique_ptr<NoticeOutbox>(new NoticeOutbox(std::move(*db), clock));
}

Result<size_t> NoticeOutbox::enqueue(std::string_view purseIdHex,
                                     const std::vector<purse::LogEntry>& entries) {
  const auto purseId = normalizePurseIdHex(purseIdHex);
  if (!purseId) return makeError("notice outbox: purse ID is not 16 hex digits");
  for (const auto& entry : entries) {
    if (auto problem = entryProblem(entry)) {
      return makeError("notice outbox: log entry txn " + std::to_string(entry.txn) +
                       " refused: " + *problem);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto txn = sqlite::Transaction::begin(*db_);
  if (!txn) return makeError("notice outbox: " + txn.error().message);
  auto insert = db_->prepare(
      "INSERT OR IGNORE INTO notices (purse_id, txn, entry, queued_ms) VALUES (?, ?, ?, ?)",
      "notice outbox: queue an entry");
  if (!insert) return insert.error();
  const int64_t now = clock_.nowUnixMs();
  size_t added = 0;
  for (const auto& entry : entries) {
    insert->reset();
    insert->bind(1, *purseId);
    insert->bind(2, static_cast<int64_t>(entry.txn));
    insert->bind(3, ByteView(purse::encode(entry)));
    insert->bind(4, now);
    auto done = insert->run();
    if (!done) return done.error();
    added += static_cast<size_t>(db_->changes());
  }
  auto committed = txn->commit();
  if (!committed) return makeError("notice outbox: " + committed.error().message);
  return added;
}

Result<void> NoticeOutbox::noteTerminal(std::string_view purseIdHex, uint32_t txn,
                                        std::string_view terminal) {
  const auto purseId = normalizePurseIdHex(purseIdHex);
  if (!purseId) return makeError("notice outbox: purse ID is not 16 hex digits");
  if (txn == 0 || terminal.empty()) return makeError("notice outbox: no txn or terminal to note");
  std::lock_guard<std::mutex> lock(mutex_);
  auto insert = db_->prepare(
      "INSERT OR IGNORE INTO notice_terminals (purse_id, txn, terminal) VALUES (?, ?, ?)",
      "notice outbox: note the terminal");
  if (!insert) return insert.error();
  insert->bind(1, *purseId).bind(2, static_cast<int64_t>(txn)).bind(3, terminal);
  return insert->run();
}

Result<uint32_t> NoticeOutbox::lastQueuedTxn(std::string_view purseIdHex) {
  const auto purseId = normalizePurseIdHex(purseIdHex);
  if (!purseId) return makeError("notice outbox: purse ID is not 16 hex digits");
  std::lock_guard<std::mutex> lock(mutex_);
  auto query = db_->prepare("SELECT COALESCE(MAX(txn), 0) FROM notices WHERE purse_id = ?",
                            "notice outbox: read the last queued txn");
  if (!query) return query.error();
  query->bind(1, *purseId);
  auto row = query->step();
  if (!row) return row.error();
  return static_cast<uint32_t>(query->columnInt(0));
}

Result<void> NoticeOutbox::assignBatches(size_t maxEntriesPerBatch) {
  auto txn = sqlite::Transaction::begin(*db_);
  if (!txn) return makeError("notice outbox: " + txn.error().message);
  auto unbatched = db_->prepare(
      "SELECT purse_id, txn FROM notices WHERE state = 'queued' AND message_id IS NULL "
      "ORDER BY purse_id, txn",
      "notice outbox: find entries without a batch");
  if (!unbatched) return unbatched.error();
  struct Group {
    std::string purseId;
    std::vector<uint32_t> txns;
  };
  std::vector<Group> groups;
  while (true) {
    auto row = unbatched->step();
    if (!row) return row.error();
    if (!*row) break;
    std::string purseId = unbatched->columnText(0);
    const auto txnNumber = static_cast<uint32_t>(unbatched->columnInt(1));
    if (groups.empty() || groups.back().purseId != purseId ||
        groups.back().txns.size() >= maxEntriesPerBatch) {
      groups.push_back({std::move(purseId), {}});
    }
    groups.back().txns.push_back(txnNumber);
  }
  if (groups.empty()) return {};
  auto assign = db_->prepare("UPDATE notices SET message_id = ? WHERE purse_id = ? AND txn = ?",
                             "notice outbox: fix a batch's Message-ID");
  if (!assign) return assign.error();
  for (const auto& group : groups) {
    const std::string messageId =
        noticeMessageId(group.purseId, group.txns.front(), group.txns.back());
    for (uint32_t txnNumber : group.txns) {
      assign->reset();
      assign->bind(1, messageId);
      assign->bind(2, group.purseId);
      assign->bind(3, static_cast<int64_t>(txnNumber));
      auto done = assign->run();
      if (!done) return done.error();
    }
  }
  auto committed = txn->commit();
  if (!committed) return makeError("notice outbox: " + committed.error().message);
  return {};
}

Result<std::vector<OutboxBatch>> NoticeOutbox::pendingBatches(size_t maxEntriesPerBatch) {
  if (maxEntriesPerBatch == 0) maxEntriesPerBatch = 1;
  std::lock_guard<std::mutex> lock(mutex_);
  auto assigned = assignBatches(maxEntriesPerBatch);
  if (!assigned) return assigned.error();

  auto query = db_->prepare(
      "SELECT purse_id, txn, entry, message_id, attempts, next_attempt_ms FROM notices "
      "WHERE state = 'queued' ORDER BY purse_id, txn",
      "notice outbox: read the queued entries");
  if (!query) return query.error();
  auto previous =
      db_->prepare("SELECT COALESCE(MAX(txn), 0) FROM notices WHERE purse_id = ? AND txn < ?",
                   "notice outbox: find the previous txn");
  if (!previous) return previous.error();
  auto terminal =
      db_->prepare("SELECT terminal FROM notice_terminals WHERE purse_id = ? AND txn = ?",
                   "notice outbox: read the terminal of an entry");
  if (!terminal) return terminal.error();

  std::vector<OutboxBatch> batches;
  while (true) {
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) break;
    std::string purseId = query->columnText(0);
    const auto txnNumber = static_cast<uint32_t>(query->columnInt(1));
    auto entry = purse::decodeLogEntry(query->columnBlob(2));
    if (!entry) {
      return makeError("notice outbox: stored entry " + purseId + " txn " +
                       std::to_string(txnNumber) + " does not decode (damaged database?)");
    }
    std::string messageId = query->columnText(3);
    if (batches.empty() || batches.back().messageId != messageId ||
        batches.back().purseIdHex != purseId) {
      OutboxBatch batch;
      batch.purseIdHex = purseId;
      batch.messageId = std::move(messageId);
      batch.attempts = static_cast<uint32_t>(query->columnInt(4));
      batch.nextAttemptMs = query->columnInt(5);
      batches.push_back(std::move(batch));
    }
    previous->reset();
    previous->bind(1, purseId);
    previous->bind(2, static_cast<int64_t>(txnNumber));
    auto found = previous->step();
    if (!found) return found.error();
    const auto previousTxn = static_cast<uint32_t>(previous->columnInt(0));
    terminal->reset();
    terminal->bind(1, purseId).bind(2, static_cast<int64_t>(txnNumber));
    auto noted = terminal->step();
    if (!noted) return noted.error();
    batches.back().entries.push_back(
        {std::move(*entry), previousTxn, *noted ? terminal->columnText(0) : std::string()});
  }
  return batches;
}

Result<void> NoticeOutbox::markSent(const OutboxBatch& batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto txn = sqlite::Transaction::begin(*db_);
  if (!txn) return makeError("notice outbox: " + txn.error().message);
  auto update = db_->prepare(
      "UPDATE notices SET state = 'sent', sent_ms = ?, last_error = NULL "
      "WHERE purse_id = ? AND message_id = ? AND state = 'queued'",
      "notice outbox: mark a batch sent");
  if (!update) return update.error();
  update->bind(1, clock_.nowUnixMs());
  update->bind(2, batch.purseIdHex);
  update->bind(3, batch.messageId);
  auto done = update->run();
  if (!done) return done.error();
  auto committed = txn->commit();
  if (!committed) return makeError("notice outbox: " + committed.error().message);
  return {};
}

Result<void> NoticeOutbox::markFailed(const OutboxBatch& batch, int64_t retryAtMs,
                                      std::string_view error) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto txn = sqlite::Transaction::begin(*db_);
  if (!txn) return makeError("notice outbox: " + txn.error().message);
  auto failed = db_->prepare(
      "UPDATE notices SET attempts = attempts + 1, last_error = ? "
      "WHERE purse_id = ? AND message_id = ? AND state = 'queued'",
      "notice outbox: record a failed attempt");
  if (!failed) return failed.error();
  failed->bind(1, error);
  failed->bind(2, batch.purseIdHex);
  failed->bind(3, batch.messageId);
  auto done = failed->run();
  if (!done) return done.error();
  auto postpone = db_->prepare(
      "UPDATE notices SET next_attempt_ms = ? WHERE state = 'queued' AND next_attempt_ms < ?",
      "notice outbox: postpone the queued entries");
  if (!postpone) return postpone.error();
  postpone->bind(1, retryAtMs);
  postpone->bind(2, retryAtMs);
  done = postpone->run();
  if (!done) return done.error();
  auto committed = txn->commit();
  if (!committed) return makeError("notice outbox: " + committed.error().message);
  return {};
}

Result<std::optional<int64_t>> NoticeOutbox::earliestAttemptMs() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto query = db_->prepare("SELECT MIN(next_attempt_ms) FROM notices WHERE state = 'queued'",
                            "notice outbox: find the next attempt");
  if (!query) return query.error();
  auto row = query->step();
  if (!row) return row.error();
  if (query->columnIsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(query->columnInt(0));
}

Result<std::vector<NoticeRow>> NoticeOutbox::rows(std::string_view purseIdHex) {
  const auto purseId = normalizePurseIdHex(purseIdHex);
  if (!purseId) return makeError("notice outbox: purse ID is not 16 hex digits");
  std::lock_guard<std::mutex> lock(mutex_);
  auto query = db_->prepare(
      "SELECT txn, state, attempts, next_attempt_ms, message_id, queued_ms, sent_ms, last_error "
      "FROM notices WHERE purse_id = ? ORDER BY txn",
      "notice outbox: list entries");
  if (!query) return query.error();
  query->bind(1, *purseId);
  std::vector<NoticeRow> out;
  while (true) {
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) break;
    NoticeRow r;
    r.txn = static_cast<uint32_t>(query->columnInt(0));
    r.sent = query->columnText(1) == "sent";
    r.attempts = static_cast<uint32_t>(query->columnInt(2));
    r.nextAttemptMs = query->columnInt(3);
    r.messageId = query->columnText(4);
    r.queuedMs = query->columnInt(5);
    if (!query->columnIsNull(6)) r.sentMs = query->columnInt(6);
    r.lastError = query->columnText(7);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace hp::notices
