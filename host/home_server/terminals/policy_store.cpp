#include "host/home_server/terminals/policy_store.hpp"

#include "protocol/rpc/message.hpp"

namespace hp::home_server {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS terminal_policies ("
    " id TEXT PRIMARY KEY,"
    " policy TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS terminal_payments ("
    " terminal TEXT NOT NULL,"
    " shop TEXT NOT NULL,"
    " order_ref TEXT NOT NULL,"
    " currency TEXT NOT NULL,"
    " amount INTEGER NOT NULL,"
    " day INTEGER NOT NULL,"
    " PRIMARY KEY (terminal, shop, order_ref))";

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
  return std::unique_ptr<PolicyStore>(new PolicyStore(std::move(*db)));
}

Result<void> PolicyStore::set(const std::string& id, const TerminalPolicy& policy) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare(
      "INSERT INTO terminal_policies (id, policy) VALUES (?1, ?2) "
      "ON CONFLICT(id) DO UPDATE SET policy = excluded.policy",
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

Result<Reservation> PolicyStore::reserve(const PaymentKey& key, const std::string& currency,
                                         uint64_t amount, uint64_t day, uint64_t perDay) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(*db_);
  if (!transaction) return transaction.error();
  auto found = db_->prepare(
      "SELECT 1 FROM terminal_payments WHERE terminal = ?1 AND shop = ?2 AND order_ref = ?3",
      "terminal policies: find payment");
  if (!found) return found.error();
  found->bind(1, key.terminal).bind(2, key.shop).bind(3, key.orderRef);
  auto row = found->step();
  if (!row) return row.error();
  // Counted before: the same order again (the card answers an identical DEBIT with the first
  // record, or refuses a different amount as a conflict); either way nothing new to count.
  if (*row) return Reservation::kRetry;
  auto sum = spentLocked(key.terminal, day);
  if (!sum) return sum.error();
  if (perDay > 0 && (amount > perDay || *sum > perDay - amount)) return Reservation::kOverDay;
  auto insert = db_->prepare(
      "INSERT INTO terminal_payments (terminal, shop, order_ref, currency, amount, day) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      "terminal policies: reserve");
  if (!insert) return insert.error();
  insert->bind(1, key.terminal)
      .bind(2, key.shop)
      .bind(3, key.orderRef)
      .bind(4, currency)
      .bind(5, static_cast<int64_t>(amount))
      .bind(6, static_cast<int64_t>(day));
  if (auto ran = insert->run(); !ran) return ran.error();
  if (auto committed = transaction->commit(); !committed) return committed.error();
  return Reservation::kReserved;
}

Result<void> PolicyStore::release(const PaymentKey& key) {
  std::lock_guard lock(mutex_);
  auto stmt = db_->prepare(
      "DELETE FROM terminal_payments WHERE terminal = ?1 AND shop = ?2 AND order_ref = ?3",
      "terminal policies: release");
  if (!stmt) return stmt.error();
  stmt->bind(1, key.terminal).bind(2, key.shop).bind(3, key.orderRef);
  return stmt->run();
}

}  // namespace hp::home_server
