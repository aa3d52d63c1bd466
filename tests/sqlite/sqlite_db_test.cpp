// hp::sqlite against real SQLite files in a scratch directory: the durability every ledger
// relies on, values round-tripping, errors as values, and transactions that roll back.
#include "host/sqlite/sqlite_db.hpp"

#include <doctest.h>

#include <cstdio>

#include "tests/notices/scratch_dir.hpp"

namespace hp::sqlite {
namespace {

using notices::test::ScratchDir;

std::unique_ptr<Database> openOrFail(const std::string& path) {
  auto db = Database::open(path);
  REQUIRE_MESSAGE(db.ok(), (db.ok() ? "" : db.error().message));
  return std::move(*db);
}

std::string pragma(Database& db, const char* name) {
  auto query = db.prepare(std::string("PRAGMA ") + name);
  REQUIRE(query.ok());
  auto row = query->step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return query->columnText(0);
}

int64_t count(Database& db) {
  auto query = db.prepare("SELECT COUNT(*) FROM t");
  REQUIRE(query.ok());
  REQUIRE(query->step().ok());
  return query->columnInt(0);
}

}  // namespace

TEST_SUITE("sqlite") {
  TEST_CASE("a file is opened in WAL with synchronous=FULL and foreign keys on") {
    ScratchDir dir;
    auto db = openOrFail(dir.file("a.db"));
    CHECK(pragma(*db, "journal_mode") == "wal");
    CHECK(pragma(*db, "synchronous") == "2");  // FULL
    CHECK(pragma(*db, "foreign_keys") == "1");
  }

  TEST_CASE("integers, text, blobs and NULL round-trip; an empty blob stays a blob") {
    ScratchDir dir;
    auto db = openOrFail(dir.file("a.db"));
    REQUIRE(db->exec("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, e BLOB, n BLOB)").ok());
    auto insert = db->prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)");
    REQUIRE(insert.ok());
    const Bytes blob{0x00, 0xFF, 0x10};
    insert->bind(1, int64_t{-9'000'000'000'000})
        .bind(2, std::string_view("caf\xC3\xA9\0x", 7))
        .bind(3, ByteView(blob))
        .bind(4, ByteView())
        .bindNull(5);
    REQUIRE(insert->run().ok());
    CHECK(db->changes() == 1);

    auto select = db->prepare("SELECT i, s, b, e, n, typeof(e) FROM t");
    REQUIRE(select.ok());
    auto row = select->step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    CHECK(select->columnInt(0) == -9'000'000'000'000);
    CHECK(select->columnText(1) == std::string("caf\xC3\xA9\0x", 7));
    CHECK(select->columnBlob(2) == blob);
    CHECK(select->columnBlob(3).empty());
    CHECK_FALSE(select->columnIsNull(3));
    CHECK(select->columnText(5) == "blob");
    CHECK(select->columnIsNull(4));
    CHECK(select->columnText(4).empty());
    auto done = select->step();
    REQUIRE(done.ok());
    CHECK_FALSE(*done);
  }

  TEST_CASE("a statement runs again after reset with new bindings") {
    auto db = openOrFail(":memory:");
    REQUIRE(db->exec("CREATE TABLE t (i INTEGER PRIMARY KEY)").ok());
    auto insert = db->prepare("INSERT OR IGNORE INTO t VALUES (?)");
    REQUIRE(insert.ok());
    int changed = 0;
    for (int64_t i : {1, 2, 2, 3}) {
      insert->reset();
      insert->bind(1, i);
      REQUIRE(insert->run().ok());
      changed += db->changes();
    }
    CHECK(changed == 3);
    CHECK(count(*db) == 3);
  }

  TEST_CASE("first, all and Columns read rows in SELECT order; applied says one row changed") {
    auto db = openOrFail(":memory:");
    REQUIRE(db->exec("CREATE TABLE t (i INTEGER PRIMARY KEY, s TEXT, b BLOB)").ok());
    REQUIRE(db->exec("INSERT INTO t VALUES (1, 'one', x'01'), (2, 'two', x'0202')").ok());
    struct Row {
      uint32_t i;
      std::string s;
      Bytes b;
    };
    const auto read = [](const Statement& st) {
      Columns c(st);
      Row row;
      row.i = c.integer<uint32_t>();
      row.s = c.text();
      row.b = c.blob();
      return row;
    };
    auto rows = db->prepare("SELECT i, s, b FROM t ORDER BY i");
    REQUIRE(rows.ok());
    auto all = rows->all(read);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 2);
    CHECK((*all)[1].i == 2);
    CHECK((*all)[1].s == "two");
    CHECK((*all)[1].b == Bytes{2, 2});

    auto one = db->prepare("SELECT i, s, b FROM t WHERE i = ?");
    REQUIRE(one.ok());
    one->bind(1, int64_t{1});
    auto found = one->first(read);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->s == "one");
    one->reset();
    one->bind(1, int64_t{9});
    auto missing = one->first(read);
    REQUIRE(missing.ok());
    CHECK_FALSE(missing->has_value());

    // A conditional UPDATE: applied once, then its condition no longer holds.
    auto rename = db->prepare("UPDATE t SET s = 'uno' WHERE i = 1 AND s = 'one'");
    REQUIRE(rename.ok());
    auto first = rename->applied();
    REQUIRE(first.ok());
    CHECK(*first);
    rename->reset();
    auto again = rename->applied();
    REQUIRE(again.ok());
    CHECK_FALSE(*again);
    // A failure is an error, not "not applied".
    auto broken = db->prepare("UPDATE t SET i = 2 WHERE i = 1");
    REQUIRE(broken.ok());
    CHECK_FALSE(broken->applied().ok());
  }

  TEST_CASE("errors are values naming what was being done") {
    auto db = openOrFail(":memory:");
    REQUIRE(db->exec("CREATE TABLE t (i INTEGER NOT NULL UNIQUE)").ok());

    auto badSql = db->prepare("SELEKT 1", "read the thing");
    REQUIRE_FALSE(badSql.ok());
    CHECK(badSql.error().message.find("read the thing: ") == 0);
    CHECK(badSql.error().message.find("syntax error") != std::string::npos);

    auto badExec = db->exec("CREATE TABLE t (x)", "create the schema");
    REQUIRE_FALSE(badExec.ok());
    CHECK(badExec.error().message.find("create the schema: ") == 0);
    CHECK(badExec.error().message.find("already exists") != std::string::npos);

    auto insert = db->prepare("INSERT INTO t VALUES (?)", "add a row");
    REQUIRE(insert.ok());
    insert->bindNull(1);
    auto refused = insert->run();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("add a row: ") == 0);
    CHECK(refused.error().message.find("NOT NULL") != std::string::npos);

    // A bind to a parameter that does not exist is reported by the step, not lost.
    auto outOfRange = db->prepare("INSERT INTO t VALUES (?)", "add another row");
    REQUIRE(outOfRange.ok());
    outOfRange->bind(1, int64_t{1}).bind(5, int64_t{2});
    auto bindFailed = outOfRange->step();
    REQUIRE_FALSE(bindFailed.ok());
    CHECK(bindFailed.error().message.find("add another row: bind: ") == 0);
    CHECK(count(*db) == 0);
  }

  TEST_CASE("a transaction commits, or rolls back when dropped uncommitted") {
    ScratchDir dir;
    auto db = openOrFail(dir.file("a.db"));
    REQUIRE(db->exec("CREATE TABLE t (i INTEGER)").ok());
    {
      auto txn = Transaction::begin(*db);
      REQUIRE(txn.ok());
      REQUIRE(db->exec("INSERT INTO t VALUES (1)").ok());
      // No commit: an early return in a user leaves nothing half-written.
    }
    CHECK(count(*db) == 0);
    {
      auto txn = Transaction::begin(*db);
      REQUIRE(txn.ok());
      REQUIRE(db->exec("INSERT INTO t VALUES (2)").ok());
      Transaction moved(std::move(*txn));  // the moved-from one must not roll back
      REQUIRE(moved.commit().ok());
    }
    CHECK(count(*db) == 1);
    // Committed means on disk: a second connection sees it.
    auto other = openOrFail(dir.file("a.db"));
    CHECK(count(*other) == 1);
  }

  TEST_CASE("BEGIN IMMEDIATE takes the write lock: a second writer waits, then fails as a value") {
    ScratchDir dir;
    auto first = openOrFail(dir.file("a.db"));
    auto second = openOrFail(dir.file("a.db"));
    REQUIRE(first->exec("CREATE TABLE t (i INTEGER)").ok());
    REQUIRE(second->exec("PRAGMA busy_timeout=50").ok());  // not the 5 s default
    auto holding = Transaction::begin(*first);
    REQUIRE(holding.ok());
    auto blocked = Transaction::begin(*second);
    REQUIRE_FALSE(blocked.ok());
    CHECK(blocked.error().message.find("begin a transaction: ") == 0);
    CHECK(blocked.error().message.find("locked") != std::string::npos);
    REQUIRE(holding->commit().ok());
    auto now = Transaction::begin(*second);
    CHECK(now.ok());
  }

  TEST_CASE("a file that is not a database, or a missing directory, is a clear error") {
    ScratchDir dir;
    {
      FILE* f = std::fopen(dir.file("junk.db").c_str(), "w");
      REQUIRE(f != nullptr);
      std::fputs("this is not an SQLite database, just some text that is long enough", f);
      std::fclose(f);
    }
    auto junk = Database::open(dir.file("junk.db"));
    REQUIRE_FALSE(junk.ok());
    CHECK(junk.error().message.find(dir.file("junk.db")) != std::string::npos);
    CHECK(junk.error().message.find("not a database") != std::string::npos);
    auto missing = Database::open(dir.file("no/such/dir/a.db"));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("cannot open the database") == 0);
  }
}

}  // namespace hp::sqlite
