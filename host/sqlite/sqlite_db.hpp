// The one thin RAII layer over the SQLite C API for every ledger in the project: the shop's
// orders, the bank's accounts and vouchers, the home server's notice outbox and pending top-ups.
// Every connection is opened the same way (WAL, synchronous=FULL, busy time-out, foreign keys),
// because each of those files holds money or a promise about money that must survive a crash.
// Errors are hp::Result values naming what the caller was doing; statements are finalized, the
// connection closed and an uncommitted transaction rolled back by destructors, so no early
// return leaks a handle or leaves a transaction open. Nothing here locks: a Database is used by
// one thread at a time (its users serialize their calls).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::sqlite {

class Statement;

class Database {
 public:
  // Opens (creating if missing) the file; ":memory:" for a database that dies with it.
  static Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT). `what` names
  // the caller's purpose in the error ("<what>: <sqlite message>").
  Result<void> exec(std::string_view sql, std::string_view what = "database");
  Result<Statement> prepare(std::string_view sql, std::string_view what = "database");
  // Rows changed by the last INSERT/UPDATE/DELETE: how a conditional UPDATE says it applied.
  int changes() const { return sqlite3_changes(db_); }
  // "<what>: <sqlite message>" for the last failure on this connection.
  Error error(std::string_view what) const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A prepared statement; bind parameters are numbered from 1, columns from 0, as in SQLite.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string what)
      : db_(db), stmt_(stmt), what_(std::move(what)) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // A failed bind is remembered and reported by the next step(), so binds can be chained.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, ByteView blob);  // an empty blob stays a blob, not NULL
  Statement& bindNull(int index);
  // true: a row is ready; false: done. An error (constraint, I/O, a bind) is an Error value.
  Result<bool> step();
  // Runs a statement that returns no rows.
  Result<void> run();
  // Runs a conditional UPDATE/DELETE: true when it changed exactly one row (how a state move
  // such as "paid only if awaiting payment" says it applied).
  Result<bool> applied();
  // The first row read by `read(const Statement&)`, or nullopt when there is none.
  template <class Read>
  auto first(Read read) -> Result<std::optional<decltype(read(*this))>>;
  // Every row, each read by `read(const Statement&)`.
  template <class Read>
  auto all(Read read) -> Result<std::vector<decltype(read(*this))>>;
  // Ready to run again with new bindings.
  void reset();

  int64_t columnInt(int index) const { return sqlite3_column_int64(stmt_, index); }
  std::string columnText(int index) const;  // "" for NULL
  Bytes columnBlob(int index) const;        // empty for NULL
  bool columnIsNull(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string what_;
  int bindError_ = SQLITE_OK;
};

// Reads a row's columns left to right, so a row reader lists its fields in SELECT order without
// column numbers to keep in step.
class Columns {
 public:
  explicit Columns(const Statement& statement) : statement_(statement) {}
  std::string text() { return statement_.columnText(next_++); }
  Bytes blob() { return statement_.columnBlob(next_++); }
  // An INTEGER column as T (the stores keep amounts, counters and times as SQLite's int64).
  template <class T = int64_t>
  T integer() {
    return static_cast<T>(statement_.columnInt(next_++));
  }

 private:
  const Statement& statement_;
  int next_ = 0;
};

template <class Read>
auto Statement::first(Read read) -> Result<std::optional<decltype(read(*this))>> {
  using Row = decltype(read(*this));
  auto row = step();
  if (!row) return row.error();
  if (!*row) return std::optional<Row>();
  return std::optional<Row>(read(*this));
}

template <class Read>
auto Statement::all(Read read) -> Result<std::vector<decltype(read(*this))>> {
  std::vector<decltype(read(*this))> rows;
  while (true) {
    auto row = step();
    if (!row) return row.error();
    if (!*row) return rows;
    rows.push_back(read(*this));
  }
}

// BEGIN IMMEDIATE on begin() (the write lock is taken up front, so two writers never deadlock
// in the middle), ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
};

}  // namespace hp::sqlite
