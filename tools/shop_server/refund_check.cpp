#include "tools/shop_server/refund_check.hpp"

#include "tools/shop_server/payment_check.hpp"

namespace hp::shop_server {

namespace purse = protocol::purse;
using merchant::ApiError;

Result<purse::PurseRecord, ApiError> checkRefund(const ExpectedRefund& expected,
                                                 const std::optional<Bytes>& clientEcPoint,
                                                 const std::string& clientKeyDescription,
                                                 ByteView signedRecord) {
  // As for payments: the card signs with the key of the user's client certificate.
  auto opened = openClientRecord("refund", clientEcPoint, clientKeyDescription, signedRecord);
  if (!opened) return opened.error();
  const purse::PurseRecord& record = opened->record;
  const purse::LogEntry& entry = record.entry;
  if (entry.kind != purse::EntryKind::kRefund) {
    return ApiError{422, "not_a_refund", "the record is not a refund"};
  }
  if (entry.party != bytesOf(expected.shopId)) {
    return ApiError{422, "wrong_shop", "the record refunds a payment to another shop"};
  }
  if (entry.reference != bytesOf(expected.orderRef)) {
    return ApiError{422, "wrong_order", "the record refunds another order"};
  }
  const Bytes purseId(record.purseId.begin(), record.purseId.end());
  if (purseId != expected.purseId || entry.relatedTxn != expected.paymentTxn) {
    return ApiError{422, "wrong_payment", "the record refunds another payment than this order's"};
  }
  if (entry.currency != expected.currency || entry.amount != expected.amount) {
    return ApiError{422, "wrong_amount",
                    "the record refunds " + std::to_string(entry.amount) + " " + entry.currency +
                        ", the order is " + std::to_string(expected.amount) + " " +
                        expected.currency};
  }
  if (auto refused = checkClientSignature(*clientEcPoint, *opened)) return *refused;
  return record;
}

}  // namespace hp::shop_server
