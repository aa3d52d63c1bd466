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
  return statement->run();
}

Result<std::optional<Order>> OrderStore::find(const std::string& ref) {
  auto statement = db_.prepare(
      "SELECT order_ref, owner, sku, quantity, currency, amount, status, created_ms, payment,"
      " receipt, cancellation, purse_id, txn, refund FROM orders WHERE order_ref = ?");
  if (!statement) return statement.error();
  statement->bind(1, ref);
  return statement->first([](const sqlite::Statement& s) {
    sqlite::Columns c(s);
    Order order;
    order.ref = c.text();
    order.owner = c.text();
    order.sku = c.text();
    order.quantity = c.integer<uint64_t>();
    order.currency = c.text();
    order.amount = c.integer<uint64_t>();
    order.status = c.text();
    order.createdMs = c.integer();
    order.payment = c.blob();
    order.receipt = c.blob();
    order.cancellation = c.blob();
    order.purseId = c.blob();
    order.txn = c.integer<uint32_t>();
    order.refund = c.blob();
    return order;
  });
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
  return statement->applied();
}

Result<bool> OrderStore::markCancelPending(const std::string& ref, ByteView cancellation,
                                           int64_t nowMs) {
  auto statement = db_.prepare(
      "UPDATE orders SET status = 'cancel_pending', cancellation = ?, cancel_requested_ms = ?"
      " WHERE order_ref = ? AND status = 'paid'");
  if (!statement) return statement.error();
  statement->bind(1, cancellation).bind(2, nowMs).bind(3, ref);
  return statement->applied();
}

Result<bool> OrderStore::markCancelled(const std::string& ref, ByteView refund, int64_t nowMs) {
  auto statement = db_.prepare(
      "UPDATE orders SET status = 'cancelled', refund = ?, cancelled_ms = ?"
      " WHERE order_ref = ? AND status = 'cancel_pending'");
  if (!statement) return statement.error();
  statement->bind(1, refund).bind(2, nowMs).bind(3, ref);
  return statement->applied();
}

}  // namespace hp::shop_server
