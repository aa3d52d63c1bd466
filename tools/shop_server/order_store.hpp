// The shop's orders in SQLite. An order moves awaiting_payment -> paid -> cancel_pending ->
// cancelled, each step one conditional UPDATE (... WHERE status = <the state it leaves>), so two
// racing requests or a crash between answer and commit can never pay or cancel an order twice. What
// was issued for it (payment record, receipt, cancellation) is stored with the step, so a retry
// gets the same bytes back. cancel_pending (cancellation signed, card's refund not yet shown) still
// counts as paid: only the card's signed refund record makes the order cancelled (docs/emoney.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/sqlite/sqlite_db.hpp"

namespace hp::shop_server {

struct Order {
  std::string ref;
  std::string owner;  // key fingerprint of the client certificate that created it
  std::string sku;
  uint64_t quantity = 0;
  std::string currency;
  uint64_t amount = 0;
  std::string status;  // awaiting_payment | paid | cancel_pending | cancelled
  int64_t createdMs = 0;
  Bytes payment;       // the accepted signed PurseRecord (paid, cancelled)
  Bytes receipt;       // our signed Receipt (paid, cancelled)
  Bytes cancellation;  // our signed Cancellation (cancel_pending, cancelled)
  Bytes refund;        // the card's signed refund PurseRecord (cancelled)
  Bytes purseId;
  uint32_t txn = 0;
};

inline constexpr const char* kAwaitingPayment = "awaiting_payment";
inline constexpr const char* kPaid = "paid";
inline constexpr const char* kCancelPending = "cancel_pending";
inline constexpr const char* kCancelled = "cancelled";

class OrderStore {
 public:
  // Creates the table if needed.
  static Result<std::unique_ptr<OrderStore>> open(sqlite::Database& db);

  Result<void> insert(const Order& order);
  Result<std::optional<Order>> find(const std::string& ref);
  // awaiting_payment -> paid; false if the order was not awaiting payment any more.
  Result<bool> markPaid(const std::string& ref, ByteView payment, ByteView receipt,
                        ByteView purseId, uint32_t txn, int64_t nowMs);
  // paid -> cancel_pending; false if the order was not paid.
  Result<bool> markCancelPending(const std::string& ref, ByteView cancellation, int64_t nowMs);
  // cancel_pending -> cancelled with the card's refund record; false if it was not pending.
  Result<bool> markCancelled(const std::string& ref, ByteView refund, int64_t nowMs);

 private:
  explicit OrderStore(sqlite::Database& db) : db_(db) {}
  sqlite::Database& db_;
};

}  // namespace hp::shop_server
