#include "host/home_server/terminals/policy_store.hpp"

#include "protocol/rpc/message.hpp"

namespace hp::home_server {

namespace {

// txn: NULL while the reservation is open (no card answer recorded), else the card's txn (0:
// settled before the reconciliation existed). expiry_revoked: the terminal was revoked when
// this policy expired.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS terminal_policies ("
    " id TEXT PRIMARY KEY,"
    " policy TEXT NOT NULL,"
    " expiry_revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS terminal_payments ("
    " terminal TEXT NOT NULL,"
    " shop TEXT NOT NULL,"
    " order_ref TEXT NOT NULL,"
    " currency TEXT NOT NULL,"
    " amount INTEGER NOT NULL,"
    " day INTEGER NOT NULL,"
    " txn INTEGER DEFAULT 0,"
    " reserved_ms INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (terminal, shop, order_ref))";

// A file from before the reconciliation and the expiry revocation: its payments count as
// settled (txn 0, what they meant then), its policies as not revoked.
Result<void> migrate(sqlite::Database& db) {
  const std::pair<const char*, const char*> columns[] = {
      {"SELECT txn, reserved_ms FROM terminal_payments LIMIT 0",
       "ALTER TABLE terminal_payments ADD COLUMN txn INTEGER DEFAULT 0;"
       "ALTER TABLE terminal_payments ADD COLUMN reserved_ms INTEGER NOT NULL DEFAULT 0"},
      {"SELECT expiry_revoked FROM terminal_policies LIMIT 0",
       "ALTER TABLE terminal_policies ADD COLUMN expiry_revoked INTEGER NOT NULL DEFAULT 0"},
  };
  for (const auto& [probe, alter] : columns) {
    if (db.prepare(probe)) continue;
    if (auto altered = db.exec(alter, "terminal policies: migrate"); !altered) return altered;
  }
  return {};
}

constexpr uint64_t kYearSeconds = 365ULL * 24 * 3600;

}  // namespace

TerminalPolicy defaultPolicy(const std::string& kind, const std::string& shop, uint64_t nowUnix) {
  TerminalPolicy policy;
  policy.kind = kind;
  if (kind != "till") {
    policy.methods = {"*"};
    return policy;
  }
  // No sessions, no relay: the till talks to its own shop over its own TLS session and asks
  // the home server only to pay.
  policy.methods = {"card.status", "card.pin2", "card.finish", "purse.pay"};
  policy.perPayment = 5000;
  policy.perDay = 20000;
  if (!shop.empty()) policy.shops = {shop};
  policy.pinOnlyMax = 2000;
  policy.expires = nowUnix + kYearSeconds;
  return policy;
}

Result<std::unique_ptr<PolicyStore>> PolicyStore::open(const std::string& path) {
  auto db = sqlite::Database::open(path);
  if (!db) return makeError("terminal policies: " + db.error().message);
  if (auto created = (*db)->exec(kSchema, "terminal policies: cannot create the tables in " + path);
      !created) {
    return created.error();
  }
  if (auto migrated = migrate(**db); !migrated) return migrated.error();
  return std::unique_ptr<PolicyStore>(new PolicyStore(std::move(*db)));
}

Result<void> PolicyStore::set(const std::string& id, const TerminalPolicy& policy) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare(
      "INSERT INTO terminal_policies (id, policy) VALUES (?1, ?2) "
      "ON CONFLICT(id) DO UPDATE SET policy = excluded.policy, expiry_revoked = 0",
      "terminal policies: store");
  if (!stmt) return stmt.error();
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  stmt->bind(1, id).bind(2, Json::writeString(writer, policy.toJson()));
  return stmt->run();
}

Result<std::optional<TerminalPolicy>> PolicyStore::get(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto stmt =
      db_->prepare("SELECT policy FROM terminal_policies WHERE id = ?1", "terminal policies: read");
  if (!stmt) return stmt.error();
  stmt->bind(1, id);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<TerminalPolicy>();
  auto json = protocol::rpc::parseJson(stmt->columnText(0));
  if (!json) return makeError("terminal policies: row of " + id + " is not JSON");
  auto policy = TerminalPolicy::fromJson(*json);
  if (!policy) return makeError("terminal policies: row of " + id + ": " + policy.error().message);
  return std::optional<TerminalPolicy>(std::move(*policy));
}

TerminalPolicy PolicyStore::effective(const std::string& id) {
  auto stored = get(id);
  if (stored && *stored) return **stored;
  if (!stored) {
    // An unreadable row must not widen what the terminal may do: nothing is allowed.
    TerminalPolicy closed;
    closed.kind = "till";
    return closed;
  }
  return defaultPolicy("phone", "", 0);
}

Result<uint64_t> PolicyStore::spentLocked(const std::string& terminal, uint64_t day) {
  auto stmt = db_->prepare(
      "SELECT COALESCE(SUM(amount), 0) FROM terminal_payments WHERE terminal = ?1 AND day = ?2",
      "terminal policies: day's sum");
  if (!stmt) return stmt.error();
  stmt->bind(1, terminal).bind(2, static_cast<int64_t>(day));
  auto row = stmt->step();
  if (!row) return row.error();
  return static_cast<uint64_t>(stmt->columnInt(0));
}

Result<uint64_t> PolicyStore::spent(const std::string& terminal, uint64_t day) {
  std::lock_guard lock(mutex_);
  return spentLocked(terminal, day);
}

std::string PolicyStore::flightKey(const PaymentKey& key) {
  // Lengths first: no two keys write the same string.
  return std::to_string(key.terminal.size()) + ":" + key.terminal +
         std::to_string(key.shop.size()) + ":" + key.shop + key.orderRef;
}

Result<Reservation> PolicyStore::reserve(const PaymentKey& key, const std::string& currency,
                                         uint64_t amount, uint64_t day, uint64_t perDay,
                                         uint64_t nowMs) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(*db_);
  if (!transaction) return transaction.error();
  auto found = db_->prepare(
      "SELECT currency, amount FROM terminal_payments "
      "WHERE terminal = ?1 AND shop = ?2 AND order_ref = ?3",
      "terminal policies: find payment");
  if (!found) return found.error();
  found->bind(1, key.terminal).bind(2, key.shop).bind(3, key.orderRef);
  auto row = found->step();
  if (!row) return row.error();
  if (*row) {
    // Counted before. The same payment again is a retry: nothing new to count (the card
    // answers an identical DEBIT with the first record). Another amount for the same order is
    // refused here, before the card: if the first never reached the card, the card would pay
    // the new amount while the day counts the old one.
    if (found->columnText(0) != currency || static_cast<uint64_t>(found->columnInt(1)) != amount) {
      return Reservation::kConflict;
    }
    ++inFlight_[flightKey(key)];
    return Reservation::kRetry;
  }
  auto sum = spentLocked(key.terminal, day);
  if (!sum) return sum.error();
  if (perDay > 0 && (amount > perDay || *sum > perDay - amount)) return Reservation::kOverDay;
  auto insert = db_->prepare(
      "INSERT INTO terminal_payments "
      "(terminal, shop, order_ref, currency, amount, day, txn, reserved_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
      "terminal policies: reserve");
  if (!insert) return insert.error();
  insert->bind(1, key.terminal)
      .bind(2, key.shop)
      .bind(3, key.orderRef)
      .bind(4, currency)
      .bind(5, static_cast<int64_t>(amount))
      .bind(6, static_cast<int64_t>(day))
      .bind(7, static_cast<int64_t>(nowMs));
  if (auto ran = insert->run(); !ran) return ran.error();
  if (auto committed = transaction->commit(); !committed) return committed.error();
  ++inFlight_[flightKey(key)];
  return Reservation::kReserved;
}

Result<void> PolicyStore::settle(const PaymentKey& key, Settlement settlement, uint32_t txn) {
  std::lock_guard lock(mutex_);
  if (auto flight = inFlight_.find(flightKey(key)); flight != inFlight_.end()) {
    if (--flight->second <= 0) inFlight_.erase(flight);
  }
  if (settlement == Settlement::kKeepOpen) return {};
  auto stmt = settlement == Settlement::kPaid
                  ? db_->prepare(
                        "UPDATE terminal_payments SET txn = ?4 WHERE terminal = ?1 AND "
                        "shop = ?2 AND order_ref = ?3 AND txn IS NULL",
                        "terminal policies: complete")
                  : db_->prepare(
                        "DELETE FROM terminal_payments WHERE terminal = ?1 AND shop = ?2 "
                        "AND order_ref = ?3 AND txn IS NULL",
                        "terminal policies: release");
  if (!stmt) return stmt.error();
  stmt->bind(1, key.terminal).bind(2, key.shop).bind(3, key.orderRef);
  if (settlement == Settlement::kPaid) stmt->bind(4, static_cast<int64_t>(txn));
  return stmt->run();
}

Result<std::vector<OpenReservation>> PolicyStore::openReservations() {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare(
      "SELECT terminal, shop, order_ref, currency, amount, reserved_ms FROM terminal_payments "
      "WHERE txn IS NULL ORDER BY reserved_ms",
      "terminal policies: open reservations");
  if (!stmt) return stmt.error();
  auto rows = stmt->all([](const sqlite::Statement& row) {
    sqlite::Columns column(row);
    OpenReservation open;
    open.key.terminal = column.text();
    open.key.shop = column.text();
    open.key.orderRef = column.text();
    open.currency = column.text();
    open.amount = column.integer<uint64_t>();
    open.reservedMs = column.integer<uint64_t>();
    return open;
  });
  if (!rows) return rows.error();
  std::vector<OpenReservation> idle;
  for (auto& open : *rows) {
    if (!inFlight_.contains(flightKey(open.key))) idle.push_back(std::move(open));
  }
  return idle;
}

Result<bool> PolicyStore::resolve(const PaymentKey& key, const std::optional<CardPayment>& paid) {
  std::lock_guard lock(mutex_);
  if (inFlight_.contains(flightKey(key))) return false;
  // Only an open row: a request that settled it meanwhile knew better.
  auto stmt = paid ? db_->prepare(
                         "UPDATE terminal_payments SET txn = ?4, amount = ?5 WHERE "
                         "terminal = ?1 AND shop = ?2 AND order_ref = ?3 AND txn IS NULL",
                         "terminal policies: reconcile (paid)")
                   : db_->prepare(
                         "DELETE FROM terminal_payments WHERE terminal = ?1 AND shop = "
                         "?2 AND order_ref = ?3 AND txn IS NULL",
                         "terminal policies: reconcile (not paid)");
  if (!stmt) return stmt.error();
  stmt->bind(1, key.terminal).bind(2, key.shop).bind(3, key.orderRef);
  if (paid)
    stmt->bind(4, static_cast<int64_t>(paid->txn)).bind(5, static_cast<int64_t>(paid->amount));
  return stmt->applied();
}

Result<std::vector<std::string>> PolicyStore::expiredUnrevoked(uint64_t nowUnix) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare("SELECT id, policy FROM terminal_policies WHERE expiry_revoked = 0",
                           "terminal policies: expired");
  if (!stmt) return stmt.error();
  auto rows = stmt->all([](const sqlite::Statement& row) {
    sqlite::Columns column(row);
    std::string id = column.text();
    return std::make_pair(std::move(id), column.text());
  });
  if (!rows) return rows.error();
  std::vector<std::string> expired;
  for (const auto& [id, text] : *rows) {
    // A row that cannot be read allows nothing at the gate; not this sweep's to judge.
    auto json = protocol::rpc::parseJson(text);
    if (!json) continue;
    auto policy = TerminalPolicy::fromJson(*json);
    if (policy && policy->expires != 0 && nowUnix > policy->expires) expired.push_back(id);
  }
  return expired;
}

Result<void> PolicyStore::markExpiryRevoked(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare("UPDATE terminal_policies SET expiry_revoked = 1 WHERE id = ?1",
                           "terminal policies: mark revoked");
  if (!stmt) return stmt.error();
  stmt->bind(1, id);
  return stmt->run();
}

}  // namespace hp::home_server
