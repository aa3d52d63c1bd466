#include "tools/bank_server/credit_check.hpp"

namespace hp::bank_server {

namespace purse = protocol::purse;
using merchant::ApiError;

Result<purse::PurseRecord, ApiError> checkCreditRecord(const purse::Voucher& voucher,
                                                       const std::optional<Bytes>& ownerEcPoint,
                                                       const std::string& ownerKeyDescription,
                                                       ByteView signedRecord) {
  if (!ownerEcPoint) {
    return ApiError{403, "client_key_not_ec",
                    "credit records are signed by the card's EC P-256 key; this session's client "
                    "certificate has " +
                        ownerKeyDescription};
  }
  const auto parts = purse::splitSigned(signedRecord);
  if (!parts) return ApiError{400, "malformed_record", "record is not a signed object"};
  const auto record = purse::decodePurseRecord(parts->body);
  if (!record) return ApiError{400, "malformed_record", "record is not a purse record"};
  const purse::LogEntry& entry = record->entry;
  if (entry.kind != purse::EntryKind::kCredit) {
    return ApiError{422, "not_a_credit", "the record is not a credit"};
  }
  if (record->purseId != voucher.purseId) {
    return ApiError{422, "wrong_purse", "the record is from another purse than the voucher's"};
  }
  if (entry.party != voucher.bankId) {
    return ApiError{422, "wrong_bank", "the record credits a voucher of another bank"};
  }
  if (entry.reference != Bytes(voucher.voucherId.begin(), voucher.voucherId.end())) {
    return ApiError{422, "wrong_voucher", "the record took another voucher"};
  }
  if (entry.relatedTxn != voucher.creditSeq) {
    return ApiError{422, "wrong_credit_seq", "the record's credit_seq is not the voucher's"};
  }
  if (entry.currency != voucher.currency || entry.amount != voucher.amount) {
    return ApiError{422, "wrong_amount",
                    "the record credits " + std::to_string(entry.amount) + " " + entry.currency +
                        ", the voucher is " + std::to_string(voucher.amount) + " " +
                        voucher.currency};
  }
  if (!purse::verifySigned(*ownerEcPoint, purse::kRecordLabel, *parts)) {
    return ApiError{422, "bad_signature",
                    "the record's signature does not verify under the account owner's key"};
  }
  return *record;
}

}  // namespace hp::bank_server
