#include "tools/bank_server/bank_store.hpp"

namespace hp::bank_server {

using sqlite::Transaction;

namespace {

constexpr const char* kVoucherColumns =
    "voucher_id, request_id, account, purse_id, credit_seq, currency, amount, status, voucher,"
    " record, issued_ms";

VoucherRow readVoucher(const sqlite::Statement& s) {
  sqlite::Columns c(s);
  VoucherRow row;
  row.voucherId = c.text();
  row.requestId = c.text();
  row.account = c.text();
  row.purseId = c.text();
  row.creditSeq = c.integer<uint32_t>();
  row.currency = c.text();
  row.amount = c.integer<uint64_t>();
  row.status = c.text();
  row.signedVoucher = c.blob();
  row.record = c.blob();
  row.issuedMs = c.integer();
  return row;
}

// An account with its pending sum, as kAccountSelect reads it.
Account readAccount(const sqlite::Statement& s) {
  sqlite::Columns c(s);
  Account account;
  account.id = c.text();
  account.owner = c.text();
  account.currency = c.text();
  account.balance = c.integer<uint64_t>();
  account.pending = c.integer<uint64_t>();
  return account;
}

constexpr const char* kAccountSelect =
    "SELECT a.id, a.owner, a.currency, a.balance,"
    " (SELECT COALESCE(SUM(v.amount), 0) FROM vouchers v"
    "  WHERE v.account = a.id AND v.status = 'issued')"
    " FROM accounts a ";

}  // namespace

Result<std::unique_ptr<BankStore>> BankStore::open(sqlite::Database& db) {
  auto created = db.exec(
      "CREATE TABLE IF NOT EXISTS accounts ("
      " id TEXT PRIMARY KEY,"
      " owner TEXT NOT NULL,"
      " currency TEXT NOT NULL,"
      " balance INTEGER NOT NULL CHECK (balance >= 0),"
      " created_ms INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS vouchers ("
      " voucher_id TEXT PRIMARY KEY,"
      " request_id TEXT NOT NULL UNIQUE,"
      " account TEXT NOT NULL REFERENCES accounts(id),"
      " purse_id TEXT NOT NULL,"
      " credit_seq INTEGER NOT NULL,"
      " currency TEXT NOT NULL,"
      " amount INTEGER NOT NULL CHECK (amount > 0),"
      " status TEXT NOT NULL CHECK (status IN ('issued','settled','void')),"
      " voucher BLOB NOT NULL,"
      " record BLOB,"
      " issued_ms INTEGER NOT NULL,"
      " settled_ms INTEGER,"
      " CHECK (status <> 'settled' OR record IS NOT NULL));"
      // At most one voucher a card could still take, or took, per slot.
      "CREATE UNIQUE INDEX IF NOT EXISTS vouchers_one_live_per_slot"
      " ON vouchers(purse_id, credit_seq) WHERE status <> 'void';");
  if (!created) return created.error();
  return std::unique_ptr<BankStore>(new BankStore(db));
}

Result<bool> BankStore::openAccount(const Account& account, int64_t nowMs) {
  auto existing = findAccount(account.id);
  if (!existing) return existing.error();
  if (*existing) return false;
  auto statement = db_.prepare(
      "INSERT INTO accounts (id, owner, currency, balance, created_ms) VALUES (?, ?, ?, ?, ?)");
  if (!statement) return statement.error();
  statement->bind(1, account.id)
      .bind(2, account.owner)
      .bind(3, account.currency)
      .bind(4, static_cast<int64_t>(account.balance))
      .bind(5, nowMs);
  if (auto done = statement->run(); !done) return done.error();
  return true;
}

Result<std::vector<Account>> BankStore::accounts() {
  auto statement = db_.prepare(std::string(kAccountSelect) + "ORDER BY a.id");
  if (!statement) return statement.error();
  return statement->all(readAccount);
}

Result<std::optional<Account>> BankStore::findAccount(const std::string& id) {
  auto statement = db_.prepare(std::string(kAccountSelect) + "WHERE a.id = ?");
  if (!statement) return statement.error();
  statement->bind(1, id);
  return statement->first(readAccount);
}

Result<std::optional<VoucherRow>> BankStore::findOne(const std::string& where, const std::string& a,
                                                     std::optional<int64_t> b) {
  auto statement =
      db_.prepare(std::string("SELECT ") + kVoucherColumns + " FROM vouchers WHERE " + where);
  if (!statement) return statement.error();
  statement->bind(1, a);
  if (b) statement->bind(2, *b);
  return statement->first(readVoucher);
}

Result<std::optional<VoucherRow>> BankStore::findVoucher(const std::string& voucherId) {
  return findOne("voucher_id = ?", voucherId);
}

Result<std::optional<VoucherRow>> BankStore::findByRequest(const std::string& requestId) {
  return findOne("request_id = ?", requestId);
}

Result<std::optional<VoucherRow>> BankStore::findLiveForSlot(const std::string& purseId,
                                                             uint32_t creditSeq) {
  return findOne("purse_id = ? AND credit_seq = ? AND status <> 'void'", purseId, creditSeq);
}

Result<IssueOutcome> BankStore::issue(const VoucherRow& voucher) {
  auto transaction = Transaction::begin(db_);
  if (!transaction) return transaction.error();
  // Read inside the write transaction: no other writer can change the funds in between.
  auto account = findAccount(voucher.account);
  if (!account) return account.error();
  if (!*account) return makeError("account " + voucher.account + " vanished");
  const Account& a = **account;
  if (a.balance < a.pending || a.balance - a.pending < voucher.amount) {
    return IssueOutcome::kInsufficientFunds;
  }
  auto statement = db_.prepare(
      "INSERT INTO vouchers (voucher_id, request_id, account, purse_id, credit_seq, currency,"
      " amount, status, voucher, issued_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'issued', ?, ?)");
  if (!statement) return statement.error();
  statement->bind(1, voucher.voucherId)
      .bind(2, voucher.requestId)
      .bind(3, voucher.account)
      .bind(4, voucher.purseId)
      .bind(5, static_cast<int64_t>(voucher.creditSeq))
      .bind(6, voucher.currency)
      .bind(7, static_cast<int64_t>(voucher.amount))
      .bind(8, voucher.signedVoucher)
      .bind(9, voucher.issuedMs);
  if (auto done = statement->run(); !done) return done.error();
  if (auto committed = transaction->commit(); !committed) return committed.error();
  return IssueOutcome::kIssued;
}

Result<bool> BankStore::voidIssued(const std::string& voucherId) {
  auto statement =
      db_.prepare("UPDATE vouchers SET status = 'void' WHERE voucher_id = ? AND status = 'issued'");
  if (!statement) return statement.error();
  statement->bind(1, voucherId);
  return statement->applied();
}

Result<bool> BankStore::settle(const std::string& voucherId, ByteView record, int64_t nowMs) {
  auto transaction = Transaction::begin(db_);
  if (!transaction) return transaction.error();
  // A void voucher the card took after all: the card takes one voucher per slot, so the
  // replacement issued for that slot can never be taken. Void it first (one live per slot).
  auto replaced = db_.prepare(
      "UPDATE vouchers SET status = 'void' WHERE status = 'issued' AND voucher_id <> ?"
      " AND EXISTS (SELECT 1 FROM vouchers t WHERE t.voucher_id = ? AND t.status = 'void'"
      "  AND t.purse_id = vouchers.purse_id AND t.credit_seq = vouchers.credit_seq)");
  if (!replaced) return replaced.error();
  replaced->bind(1, voucherId).bind(2, voucherId);
  if (auto done = replaced->run(); !done) return done.error();
  auto mark = db_.prepare(
      "UPDATE vouchers SET status = 'settled', record = ?, settled_ms = ?"
      " WHERE voucher_id = ? AND status IN ('issued', 'void') AND NOT EXISTS (SELECT 1 FROM"
      " vouchers s WHERE s.status = 'settled' AND s.purse_id = vouchers.purse_id"
      " AND s.credit_seq = vouchers.credit_seq)");
  if (!mark) return mark.error();
  mark->bind(1, record).bind(2, nowMs).bind(3, voucherId);
  auto marked = mark->applied();
  if (!marked) return marked.error();
  if (!*marked) return false;  // already settled, or its slot was: charge nothing
  auto charge = db_.prepare(
      "UPDATE accounts SET balance = balance - (SELECT amount FROM vouchers WHERE voucher_id = ?)"
      " WHERE id = (SELECT account FROM vouchers WHERE voucher_id = ?)");
  if (!charge) return charge.error();
  charge->bind(1, voucherId).bind(2, voucherId);
  auto charged = charge->applied();
  if (!charged) return charged.error();
  if (!*charged) return makeError("voucher " + voucherId + ": account missing");
  if (auto committed = transaction->commit(); !committed) return committed.error();
  return true;
}

}  // namespace hp::bank_server
