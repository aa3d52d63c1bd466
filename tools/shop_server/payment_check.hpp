// The shop's check of a payment record (docs/emoney.md, "Shop server"): a card-signed
// PurseRecord of kind debit, to this shop, for this order, in the order's currency and amount,
// signed by the EC P-256 key of the client certificate of the TLS session that posts it. Pure:
// no I/O, so every refusal is unit-testable.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/purse/purse_records.hpp"
#include "tools/merchant/api_error.hpp"

namespace hp::shop_server {

struct ExpectedPayment {
  std::string shopId;
  std::string orderRef;
  std::string currency;
  uint64_t amount = 0;
};

// A card-signed record posted by a client, split and decoded. `what` ("payment", "refund")
// names it in the refusals: 403 when the session's client key is not EC P-256 (nothing to
// check a card signature against), 400 when it is not a signed purse record.
struct ClientRecord {
  protocol::purse::SignedParts parts;
  protocol::purse::PurseRecord record;
};
Result<ClientRecord, merchant::ApiError> openClientRecord(const std::string& what,
                                                          const std::optional<Bytes>& clientEcPoint,
                                                          const std::string& clientKeyDescription,
                                                          ByteView signedRecord);

// The last check of every client record: signed by the session's client certificate key.
std::optional<merchant::ApiError> checkClientSignature(const Bytes& clientEcPoint,
                                                       const ClientRecord& opened);

// The decoded record, or why it is refused (400 malformed, 403 not an EC P-256 client key,
// 422 a valid record that does not pay this order, or a signature that does not verify).
Result<protocol::purse::PurseRecord, merchant::ApiError> checkPayment(
    const ExpectedPayment& expected, const std::optional<Bytes>& clientEcPoint,
    const std::string& clientKeyDescription, ByteView signedRecord);

}  // namespace hp::shop_server
