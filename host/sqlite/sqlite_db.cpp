#include "host/sqlite/sqlite_db.hpp"

namespace hp::sqlite {

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  sqlite3* handle = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open the database " + path + ": " +
                          (handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc));
    sqlite3_close(handle);
    return makeError(std::move(message));
  }
  std::unique_ptr<Database> db(new Database(handle));
  // A second connection to the same file waits for the lock instead of failing at once.
  sqlite3_busy_timeout(handle, 5000);
  sqlite3_extended_result_codes(handle, 1);
  // WAL: readers never block the writer, and a kill -9 mid-transaction leaves the last commit.
  // synchronous=FULL: a commit is on disk before anyone is told (a paid order, a settled
  // voucher, a mail marked sent or a pending top-up must not vanish with a power cut).
  // The first statement that reads the file also tells a file that is not a database.
  if (auto ok = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                         "PRAGMA foreign_keys=ON;",
                         "database " + path);
      !ok) {
    return ok.error();
  }
  return db;
}

Database::~Database() {
  sqlite3_close(db_);
}

Error Database::error(std::string_view what) const {
  return makeError(std::string(what) + ": " + sqlite3_errmsg(db_));
}

Result<void> Database::exec(std::string_view sql, std::string_view what) {
  const std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message != nullptr ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return makeError(std::string(what) + ": " + why);
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql, std::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return error(what);
  }
  return Statement(db_, stmt, std::string(what));
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);  // a no-op for the nullptr a move leaves
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(other.stmt_),
      what_(std::move(other.what_)),
      bindError_(other.bindError_) {
  other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, int64_t value) {
  if (bindError_ == SQLITE_OK) bindError_ = sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (bindError_ == SQLITE_OK) {
    bindError_ = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::bind(int index, ByteView blob) {
  if (bindError_ == SQLITE_OK) {
    // SQLite binds NULL for a null pointer, and an empty vector may give one: pass a valid one.
    static const uint8_t kEmpty = 0;
    bindError_ = sqlite3_bind_blob(stmt_, index, blob.empty() ? &kEmpty : blob.data(),
                                   static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::bindNull(int index) {
  if (bindError_ == SQLITE_OK) bindError_ = sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  if (bindError_ != SQLITE_OK) {
    return makeError(what_ + ": bind: " + sqlite3_errstr(bindError_));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return makeError(what_ + ": " + sqlite3_errmsg(db_));
}

Result<void> Statement::run() {
  auto stepped = step();
  if (!stepped) return stepped.error();
  return {};
}

Result<bool> Statement::applied() {
  auto stepped = step();
  if (!stepped) return stepped.error();
  return sqlite3_changes(db_) == 1;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bindError_ = SQLITE_OK;
}

std::string Statement::columnText(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

Bytes Statement::columnBlob(int index) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return Bytes(data, data + size);
}

Result<Transaction> Transaction::begin(Database& db) {
  if (auto begun = db.exec("BEGIN IMMEDIATE", "begin a transaction"); !begun) {
    return begun.error();
  }
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK", "roll back");
}

Result<void> Transaction::commit() {
  auto committed = db_->exec("COMMIT", "commit");
  if (!committed) return committed;  // the destructor rolls back
  db_ = nullptr;
  return {};
}

}  // namespace hp::sqlite
