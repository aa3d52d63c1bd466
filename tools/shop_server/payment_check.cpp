#include "tools/shop_server/payment_check.hpp"

namespace hp::shop_server {

namespace purse = protocol::purse;
using merchant::ApiError;

Result<ClientRecord, ApiError> openClientRecord(const std::string& what,
                                                const std::optional<Bytes>& clientEcPoint,
                                                const std::string& clientKeyDescription,
                                                ByteView signedRecord) {
  // The card signs with the key certified in the user's TLS client certificate; with any other
  // key type there is nothing to check the record against.
  if (!clientEcPoint) {
    return ApiError{403, "client_key_not_ec",
                    what +
                        "s must come over a session whose client certificate has an EC P-256 "
                        "key (the card's purse key); this one has " +
                        clientKeyDescription};
  }
  auto parts = purse::splitSigned(signedRecord);
  if (!parts) return ApiError{400, "malformed_" + what, what + " is not a signed object"};
  auto record = purse::decodePurseRecord(parts->body);
  if (!record) return ApiError{400, "malformed_" + what, what + " is not a purse record"};
  return ClientRecord{std::move(*parts), std::move(*record)};
}

std::optional<ApiError> checkClientSignature(const Bytes& clientEcPoint,
                                             const ClientRecord& opened) {
  if (purse::verifySigned(clientEcPoint, purse::kRecordLabel, opened.parts)) return std::nullopt;
  return ApiError{422, "bad_signature",
                  "the record's signature does not verify under this session's client "
                  "certificate"};
}

Result<purse::PurseRecord, ApiError> checkPayment(const ExpectedPayment& expected,
                                                  const std::optional<Bytes>& clientEcPoint,
                                                  const std::string& clientKeyDescription,
                                                  ByteView signedRecord) {
  auto opened = openClientRecord("payment", clientEcPoint, clientKeyDescription, signedRecord);
  if (!opened) return opened.error();
  const purse::LogEntry& entry = opened->record.entry;
  if (entry.kind != purse::EntryKind::kDebit) {
    return ApiError{422, "not_a_payment", "the record is not a debit"};
  }
  if (entry.party != bytesOf(expected.shopId)) {
    return ApiError{422, "wrong_shop", "the record pays another shop"};
  }
  if (entry.reference != bytesOf(expected.orderRef)) {
    return ApiError{422, "wrong_order", "the record pays another order"};
  }
  if (entry.currency != expected.currency || entry.amount != expected.amount) {
    return ApiError{422, "wrong_amount",
                    "the record pays " + std::to_string(entry.amount) + " " + entry.currency +
                        ", the order is " + std::to_string(expected.amount) + " " +
                        expected.currency};
  }
  if (auto refused = checkClientSignature(*clientEcPoint, *opened)) return *refused;
  return opened->record;
}

}  // namespace hp::shop_server
