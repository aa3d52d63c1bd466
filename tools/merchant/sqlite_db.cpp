#include "sqlite_db.hpp"

namespace hp::merchant {

Statement& Statement::bind(int index, int64_t value) {
  if (bindError_ == SQLITE_OK) bindError_ = sqlite3_bind_int64(statement_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (bindError_ == SQLITE_OK) {
    bindError_ = sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::bind(int index, ByteView blob) {
  if (bindError_ == SQLITE_OK) {
    // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
    static const uint8_t kEmpty = 0;
    bindError_ = sqlite3_bind_blob(statement_, index, blob.empty() ? &kEmpty : blob.data(),
                                   static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::bindNull(int index) {
  if (bindError_ == SQLITE_OK) bindError_ = sqlite3_bind_null(statement_, index);
  return *this;
}

Result<bool> Statement::step() {
  if (bindError_ != SQLITE_OK) {
    return makeError(std::string("database: bind: ") + sqlite3_errstr(bindError_));
  }
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return makeError(std::string("database: ") + sqlite3_errmsg(db_));
}

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  return data ? std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size)) : "";
}

Bytes Statement::blob(int column) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(statement_, column));
  const int size = sqlite3_column_bytes(statement_, column);
  return data ? Bytes(data, data + size) : Bytes();
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  sqlite3* handle = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    sqlite3_close(handle);
    return makeError("database " + path + ": " + why);
  }
  std::unique_ptr<Database> db(new Database(handle));
  sqlite3_busy_timeout(handle, 5000);
  // WAL: readers never block the writer, and a kill -9 mid-transaction leaves the last commit.
  // synchronous=FULL: a commit is on disk before the client sees its answer (a paid order or a
  // settled voucher must not vanish with a power cut after the receipt went out).
  if (auto ok = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                         "PRAGMA foreign_keys=ON;");
      !ok) {
    return makeError("database " + path + ": " + ok.error().message);
  }
  return db;
}

Database::~Database() {
  sqlite3_close(db_);
}

Result<void> Database::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return makeError("database: " + why);
  }
  return {};
}

Result<std::unique_ptr<Statement>> Database::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr) !=
      SQLITE_OK) {
    return makeError(std::string("database: ") + sqlite3_errmsg(db_));
  }
  return std::make_unique<Statement>(db_, statement);
}

Result<std::unique_ptr<Transaction>> Transaction::begin(Database& db) {
  if (auto ok = db.exec("BEGIN IMMEDIATE"); !ok) return ok.error();
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  if (!done_) (void)db_.exec("ROLLBACK");
}

Result<void> Transaction::commit() {
  auto ok = db_.exec("COMMIT");
  if (ok) done_ = true;
  return ok;
}

}  // namespace hp::merchant
