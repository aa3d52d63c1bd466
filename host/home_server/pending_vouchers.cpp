#include "pending_vouchers.hpp"

#include <sqlite3.h>

namespace hp::home {

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

Error sqlError(sqlite3* db, const std::string& what) {
  return makeError("pending vouchers: " + what + ": " + sqlite3_errmsg(db));
}

// One prepared statement, finalized on every path.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return ok_; }
  sqlite3_stmt* get() { return stmt_; }
  void text(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  }
  void blob(int index, ByteView value) {
    if (value.empty()) {
      sqlite3_bind_null(stmt_, index);
    } else {
      sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT);
    }
  }
  void integer(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

std::string columnText(sqlite3_stmt* stmt, int column) {
  const auto* text = sqlite3_column_text(stmt, column);
  return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

Bytes columnBlob(sqlite3_stmt* stmt, int column) {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, column));
  const int size = sqlite3_column_bytes(stmt, column);
  return data ? Bytes(data, data + size) : Bytes{};
}

}  // namespace

Result<std::unique_ptr<PendingVoucherStore>> PendingVoucherStore::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    Error error = makeError("pending vouchers: cannot open " + path + ": " +
                            (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return error;
  }
  // Every change is one transaction that reaches the disk before we go on: a row the bank or
  // the card already acted on must not be lost to a crash.
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error error = sqlError(db, "cannot create the table in " + path);
    sqlite3_close(db);
    return error;
  }
  return std::unique_ptr<PendingVoucherStore>(new PendingVoucherStore(db));
}

PendingVoucherStore::~PendingVoucherStore() {
  sqlite3_close(db_);
}

Result<void> PendingVoucherStore::add(const PendingVoucher& pending) {
  std::lock_guard lock(mutex_);
  Statement stmt(db_,
                 "INSERT INTO pending_vouchers (request_id, bank_url, account, purse_id, "
                 "credit_seq, currency, amount, voucher, record, created_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!stmt.ok()) return sqlError(db_, "insert");
  stmt.text(1, pending.requestId);
  stmt.text(2, pending.bankUrl);
  stmt.text(3, pending.account);
  stmt.text(4, pending.purseIdHex);
  stmt.integer(5, pending.creditSeq);
  stmt.text(6, pending.currency);
  // SQLite integers are signed 64-bit; purse amounts are far below 2^63 (the card's maximum).
  stmt.integer(7, static_cast<int64_t>(pending.amount));
  stmt.blob(8, pending.voucher);
  stmt.blob(9, pending.record);
  stmt.integer(10, pending.createdMs);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) return sqlError(db_, "insert");
  return {};
}

Result<void> PendingVoucherStore::setBlob(const char* column, const std::string& requestId,
                                          ByteView value) {
  std::lock_guard lock(mutex_);
  const std::string sql =
      std::string("UPDATE pending_vouchers SET ") + column + " = ?1 WHERE request_id = ?2";
  Statement stmt(db_, sql.c_str());
  if (!stmt.ok()) return sqlError(db_, "update");
  stmt.blob(1, value);
  stmt.text(2, requestId);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) return sqlError(db_, "update");
  if (sqlite3_changes(db_) != 1) return makeError("pending vouchers: no request " + requestId);
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
  Statement stmt(db_, "DELETE FROM pending_vouchers WHERE request_id = ?1");
  if (!stmt.ok()) return sqlError(db_, "delete");
  stmt.text(1, requestId);
  if (sqlite3_step(stmt.get()) != SQLITE_DONE) return sqlError(db_, "delete");
  return {};
}

Result<std::vector<PendingVoucher>> PendingVoucherStore::all() {
  std::lock_guard lock(mutex_);
  Statement stmt(db_,
                 "SELECT request_id, bank_url, account, purse_id, credit_seq, currency, amount, "
                 "voucher, record, created_ms FROM pending_vouchers ORDER BY created_ms, rowid");
  if (!stmt.ok()) return sqlError(db_, "select");
  std::vector<PendingVoucher> rows;
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    sqlite3_stmt* s = stmt.get();
    PendingVoucher row;
    row.requestId = columnText(s, 0);
    row.bankUrl = columnText(s, 1);
    row.account = columnText(s, 2);
    row.purseIdHex = columnText(s, 3);
    row.creditSeq = static_cast<uint32_t>(sqlite3_column_int64(s, 4));
    row.currency = columnText(s, 5);
    row.amount = static_cast<uint64_t>(sqlite3_column_int64(s, 6));
    row.voucher = columnBlob(s, 7);
    row.record = columnBlob(s, 8);
    row.createdMs = sqlite3_column_int64(s, 9);
    rows.push_back(std::move(row));
  }
  if (step != SQLITE_DONE) return sqlError(db_, "select");
  return rows;
}

}  // namespace hp::home
