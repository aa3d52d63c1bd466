#include "tools/shop_server/order_store.hpp"

namespace hp::shop_server {

Result<std::unique_ptr<OrderStore>> OrderStore::open(sqlite::Database& db) {
  auto created = db.exec(
      "CREATE TABLE IF NOT EXISTS orders ("
      " order_ref TEXT PRIMARY KEY,"
      " owner TEXT NOT NULL,"
      " sku TEXT NOT NULL,"
      " quantity INTEGER NOT NULL CHECK (quantity > 0),"
      " currency TEXT NOT NULL,"
      " amount INTEGER NOT NULL CHECK (amount > 0),"
      " status TEXT NOT NULL CHECK (status IN "
      "('awaiting_payment','paid','cancel_pending','cancelled')),"
      " created_ms INTEGER NOT NULL,"
      " payment BLOB, receipt BLOB, purse_id BLOB, txn INTEGER, paid_ms INTEGER,"
      " cancellation BLOB, cancel_requested_ms INTEGER, refund BLOB, cancelled_ms INTEGER,"
      // A paid order always has its record and receipt; a cancel_pending one also its
      // cancellation; a cancelled one also the card's refund record.
      " CHECK (status = 'awaiting_payment' OR (payment IS NOT NULL AND receipt IS NOT NULL)),"
      " CHECK (status NOT IN ('cancel_pending','cancelled') OR cancellation IS NOT NULL),"
      " CHECK (status <> 'cancelled' OR refund IS NOT NULL))");
  if (!created) return created.error();
  return std::unique_ptr<OrderStore>(new OrderStore(db));
}

Result<void> OrderStore::insert(const Order& order) {
  auto statement = db_.prepare(
      "INSERT INTO orders (order_ref, owner, sku, quantity, currency, amount, status, created_ms)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) return statement.error();
  statement->bind(1, order.ref)
      .bind(2, order.owner)
      .bind(3, order.sku)
      .bind(4, static_cast<int64_t>(order.quantity))
      .bind(5, order.currency)
      .bind(6, static_cast<int64_t>(order.amount))
      .bind(7, std::string_view(kAwaitingPayment))
      .bind(8, order.createdMs);
  auto done = statement->step();
  if (!done) return done.error();
  return {};
}

Result<std::optional<Order>> OrderStore::find(const std::string& ref) {
  auto statement = db_.prepare(
      "SELECT order_ref, owner, sku, quantity, currency, amount, status, created_ms, payment,"
      " receipt, cancellation, purse_id, txn, refund FROM orders WHERE order_ref = ?");
  if (!statement) return statement.error();
  sqlite::Statement& s = *statement;
  s.bind(1, ref);
  auto row = s.step();
  if (!row) return row.error();
  if (!*row) return std::optional<Order>();
  Order order;
  order.ref = s.columnText(0);
  order.owner = s.columnText(1);
  order.sku = s.columnText(2);
  order.quantity = static_cast<uint64_t>(s.columnInt(3));
  order.currency = s.columnText(4);
  order.amount = static_cast<uint64_t>(s.columnInt(5));
  order.status = s.columnText(6);
  order.createdMs = s.columnInt(7);
  order.payment = s.columnBlob(8);
  order.receipt = s.columnBlob(9);
  order.cancellation = s.columnBlob(10);
  order.purseId = s.columnBlob(11);
  order.txn = static_cast<uint32_t>(s.columnInt(12));
  order.refund = s.columnBlob(13);
  return std::optional<Order>(std::move(order));
}

Result<bool> OrderStore::markPaid(const std::string& ref, ByteView payment, ByteView receipt,
                                  ByteView purseId, uint32_t txn, int64_t nowMs) {
  auto statement = db_.prepare(
      "UPDATE orders SET status = 'paid', payment = ?, receipt = ?, purse_id = ?, txn = ?,"
      " paid_ms = ? WHERE order_ref = ? AND status = 'awaiting_payment'");
  if (!statement) return statement.error();
  statement->bind(1, payment)
      .bind(2, receipt)
      .bind(3, purseId)
      .bind(4, static_cast<int64_t>(txn))
      .bind(5, nowMs)
      .bind(6, ref);
  auto done = statement->step();
  if (!done) return done.error();
  return db_.changes() == 1;
}

Result<bool> OrderStore::markCancelPending(const std::string& ref, ByteView cancellation,
                                           int64_t nowMs) {
  auto statement = db_.prepare(
      "UPDATE orders SET status = 'cancel_pending', cancellation = ?, cancel_requested_ms = ?"
      " WHERE order_ref = ? AND status = 'paid'");
  if (!statement) return statement.error();
  statement->bind(1, cancellation).bind(2, nowMs).bind(3, ref);
  auto done = statement->step();
  if (!done) return done.error();
  return db_.changes() == 1;
}

Result<bool> OrderStore::markCancelled(const std::string& ref, ByteView refund, int64_t nowMs) {
  auto statement = db_.prepare(
      "UPDATE orders SET status = 'cancelled', refund = ?, cancelled_ms = ?"
      " WHERE order_ref = ? AND status = 'cancel_pending'");
  if (!statement) return statement.error();
  statement->bind(1, refund).bind(2, nowMs).bind(3, ref);
  auto done = statement->step();
  if (!done) return done.error();
  return db_.changes() == 1;
}

}  // namespace hp::shop_server
