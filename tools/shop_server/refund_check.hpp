// The shop's check of a card's refund record (docs/emoney.md, "Shop server"): the proof that the
// purse took a cancellation, so the order may count as refunded. It must be a card-signed
// PurseRecord of kind refund of exactly the cancelled payment (this shop, this order, the
// paying debit's txn, same purse, currency and amount), signed by the EC P-256 key of the
// client certificate of the TLS session that posts it. Pure: no I/O, so every refusal is
// unit-testable.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/merchant/api_error.hpp"

namespace hp::shop_server {

struct ExpectedRefund {
  std::string shopId;
  std::string orderRef;
  Bytes purseId;
  uint32_t paymentTxn = 0;  // the txn of the debit that paid the order
  std::string currency;
  uint64_t amount = 0;
};

// The decoded record, or why it is refused (400 malformed, 403 not an EC P-256 client key,
// 422 a valid record that is not this refund, or a signature that does not verify).
Result<protocol::purse::PurseRecord, merchant::ApiError> checkRefund(
    const ExpectedRefund& expected, const std::optional<Bytes>& clientEcPoint,
    const std::string& clientKeyDescription, ByteView signedRecord);

}  // namespace hp::shop_server
