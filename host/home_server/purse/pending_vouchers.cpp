#include "host/home_server/purse/pending_vouchers.hpp"

namespace hp::home_server {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS pending_vouchers ("
    " request_id TEXT PRIMARY KEY,"
    " bank_url TEXT NOT NULL,"
    " account TEXT NOT NULL,"
    " purse_id TEXT NOT NULL,"
    " credit_seq INTEGER NOT NULL,"
    " currency TEXT NOT NULL,"
    " amount INTEGER NOT NULL,"
    " voucher BLOB,"
    " record BLOB,"
    " created_ms INTEGER NOT NULL)";

// NULL, not an empty blob, for a voucher or record not there yet (as the rows were written).
void bindBlobOrNull(sqlite::Statement& stmt, int index, ByteView value) {
  if (value.empty()) {
    stmt.bindNull(index);
  } else {
    stmt.bind(index, value);
  }
}

}  // namespace

Result<std::unique_ptr<PendingVoucherStore>> PendingVoucherStore::open(const std::string& path) {
  // sqlite::Database opens with synchronous=FULL: every change is one transaction that reaches
  // the disk before we go on, since a row the bank or the card already acted on must not be
  // lost to a crash.
  auto db = sqlite::Database::open(path);
  if (!db) return makeError("pending vouchers: " + db.error().message);
  if (auto created = (*db)->exec(kSchema, "pending vouchers: cannot create the table in " + path);
      !created) {
    return created.error();
  }
  return std::unique_ptr<PendingVoucherStore>(new PendingVoucherStore(std::move(*db)));
}

Result<void> PendingVoucherStore::add(const PendingVoucher& pending) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare(
      "INSERT INTO pending_vouchers (request_id, bank_url, account, purse_id, "
      "credit_seq, currency, amount, voucher, record, created_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
      "pending vouchers: insert");
  if (!stmt) return stmt.error();
  stmt->bind(1, pending.requestId)
      .bind(2, pending.bankUrl)
      .bind(3, pending.account)
      .bind(4, pending.purseIdHex)
      .bind(5, static_cast<int64_t>(pending.creditSeq))
      .bind(6, pending.currency)
      // SQLite integers are signed 64-bit; purse amounts are far below 2^63 (the card's maximum).
      .bind(7, static_cast<int64_t>(pending.amount));
  bindBlobOrNull(*stmt, 8, pending.voucher);
  bindBlobOrNull(*stmt, 9, pending.record);
  stmt->bind(10, pending.createdMs);
  return stmt->run();
}

Result<void> PendingVoucherStore::setBlob(const char* column, const std::string& requestId,
                                          ByteView value) {
  std::lock_guard lock(mutex_);
  const std::string sql =
      std::string("UPDATE pending_vouchers SET ") + column + " = ?1 WHERE request_id = ?2";
  auto stmt = db_->prepare(sql, "pending vouchers: update");
  if (!stmt) return stmt.error();
  bindBlobOrNull(*stmt, 1, value);
  stmt->bind(2, requestId);
  auto done = stmt->applied();
  if (!done) return done.error();
  if (!*done) return makeError("pending vouchers: no request " + requestId);
  return {};
}

Result<void> PendingVoucherStore::setVoucher(const std::string& requestId, ByteView voucher) {
  return setBlob("voucher", requestId, voucher);
}

Result<void> PendingVoucherStore::setRecord(const std::string& requestId, ByteView record) {
  return setBlob("record", requestId, record);
}

Result<void> PendingVoucherStore::remove(const std::string& requestId) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare("DELETE FROM pending_vouchers WHERE request_id = ?1",
                           "pending vouchers: delete");
  if (!stmt) return stmt.error();
  stmt->bind(1, requestId);
  return stmt->run();
}

Result<std::vector<PendingVoucher>> PendingVoucherStore::all() {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare(
      "SELECT request_id, bank_url, account, purse_id, credit_seq, currency, amount, "
      "voucher, record, created_ms FROM pending_vouchers ORDER BY created_ms, rowid",
      "pending vouchers: select");
  if (!stmt) return stmt.error();
  return stmt->all([](const sqlite::Statement& s) {
    sqlite::Columns c(s);
    PendingVoucher row;
    row.requestId = c.text();
    row.bankUrl = c.text();
    row.account = c.text();
    row.purseIdHex = c.text();
    row.creditSeq = c.integer<uint32_t>();
    row.currency = c.text();
    row.amount = c.integer<uint64_t>();
    row.voucher = c.blob();
    row.record = c.blob();
    row.createdMs = c.integer();
    return row;
  });
}

}  // namespace hp::home_server
