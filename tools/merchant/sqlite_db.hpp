// A thin RAII layer over SQLite for the shop's and bank's ledgers: WAL journal, full sync (a
// committed payment survives a crash), and a busy timeout. Errors are values naming the SQL
// step that failed. One Database is used by one thread at a time (the servers serialize API
// calls), so statements are prepared per call and nothing here locks.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bytes.hpp"
#include "result.hpp"

namespace hp::merchant {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQLite.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, ByteView blob);
  Statement& bindNull(int index);
  // true: a row is ready; false: done. An error if the statement (or a bind) failed.
  Result<bool> step();

  int64_t int64(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string text(int column) const;
  Bytes blob(int column) const;
  bool isNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_;
  int bindError_ = SQLITE_OK;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Result<void> exec(const std::string& sql);
  Result<std::unique_ptr<Statement>> prepare(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE: how a conditional UPDATE says it applied.
  int changes() const { return sqlite3_changes(db_); }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back when destroyed uncommitted (any early return).
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> begin(Database& db);
  ~Transaction();
  Result<void> commit();

 private:
  explicit Transaction(Database& db) : db_(db) {}
  Database& db_;
  bool done_ = false;
};

}  // namespace hp::merchant
