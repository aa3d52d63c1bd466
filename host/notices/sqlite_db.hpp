// A thin RAII layer over the SQLite C API for the notice outbox: errors come back as hp::Result
// values naming the statement's purpose, statements are finalized and the connection closed by
// destructors, so no early return leaks a handle or leaves a transaction open.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bytes.hpp"
#include "result.hpp"

namespace hp::notices {

class SqliteStatement;

class SqliteDb {
 public:
  // Opens (creating if missing) the database file, with a busy time-out so a second connection
  // to the same file waits instead of failing at once.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
  Result<void> exec(std::string_view sql, std::string_view what);
  Result<SqliteStatement> prepare(std::string_view sql, std::string_view what);
  // "<what>: <sqlite message>" for the last failure on this connection.
  Error error(std::string_view what) const;
  sqlite3* handle() { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A prepared statement; bind parameters are 1-based as in SQLite.
class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, sqlite3_stmt* stmt, std::string what)
      : db_(&db), stmt_(stmt), what_(std::move(what)) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;

  void bind(int index, int64_t value);
  void bind(int index, std::string_view text);
  void bind(int index, ByteView blob);
  void bindNull(int index);
  // true: a row is ready; false: done. An error (constraint, I/O) is an Error value.
  Result<bool> step();
  // Runs a statement that returns no rows.
  Result<void> run();
  void reset();

  int64_t columnInt(int index) const;
  std::string columnText(int index) const;  // "" for NULL
  Bytes columnBlob(int index) const;
  bool columnIsNull(int index) const;

 private:
  SqliteDb* db_;
  sqlite3_stmt* stmt_;
  std::string what_;
};

// BEGIN IMMEDIATE on construction (the write lock is taken up front, so two writers never
// deadlock in the middle), ROLLBACK on destruction unless commit() succeeded.
class SqliteTransaction {
 public:
  static Result<SqliteTransaction> begin(SqliteDb& db);
  SqliteTransaction(SqliteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();
  Result<void> commit();

 private:
  explicit SqliteTransaction(SqliteDb& db) : db_(&db) {}
  SqliteDb* db_;
};

}  // namespace hp::notices
