#include "protocol/merchant/bank_api.hpp"

#include "protocol/purse/purse_records.hpp"
#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/params.hpp"

namespace hp::protocol::merchant {

namespace {
using hp::base::Result;
}

Json::Value TopupRequest::toJson() const {
  Json::Value body;
  body["request_id"] = requestId;
  body["account"] = account;
  body["purse_id"] = purseId;
  body["credit_seq"] = creditSeq;
  body["currency"] = currency;
  body["amount"] = Json::UInt64(amount);
  return body;
}

// The checks in the order the bank has always answered them: each member's type first (the
// first bad one is named), then the values.
Result<TopupRequest> TopupRequest::fromJson(const Json::Value& body) {
  auto requestId = rpc::stringField(body, "request_id", kMaxRequestId);
  auto account = rpc::stringField(body, "account", kMaxAccountId);
  auto purseHex = rpc::stringField(body, "purse_id", 2 * purse::kPurseIdSize);
  auto creditSeq = rpc::unsignedField(body, "credit_seq");
  auto currency = rpc::stringField(body, "currency", 3);
  auto amount = rpc::unsignedField(body, "amount");
  for (const hp::base::Error* error :
       {requestId ? nullptr : &requestId.error(), account ? nullptr : &account.error(),
        purseHex ? nullptr : &purseHex.error(), creditSeq ? nullptr : &creditSeq.error(),
        currency ? nullptr : &currency.error(), amount ? nullptr : &amount.error()}) {
    if (error) return *error;
  }
  const auto purseId = fromHex(*purseHex);
  if (!purseId || purseId->size() != purse::kPurseIdSize) {
    return hp::base::makeError("\"purse_id\" must be 16 hex digits");
  }
  if (*creditSeq == 0 || *creditSeq > kMaxCreditSeq) {
    return hp::base::makeError("\"credit_seq\" must be 1..2^32-1");
  }
  if (!purse::validCurrency(*currency)) {
    return hp::base::makeError("\"currency\" must be ISO 4217 (e.g. EUR)");
  }
  if (*amount == 0) return hp::base::makeError("\"amount\" must be > 0");
  return TopupRequest{std::move(*requestId), std::move(*account),
                      toHex(*purseId),       static_cast<uint32_t>(*creditSeq),
                      std::move(*currency),  *amount};
}

Json::Value TopupAnswer::toJson() const {
  Json::Value body;
  body["voucher_id"] = voucherId;
  body["voucher"] = rpc::base64Encode(voucher);
  return body;
}

Result<TopupAnswer> TopupAnswer::fromJson(const Json::Value& body) {
  auto voucherId = rpc::stringField(body, "voucher_id", 2 * purse::kVoucherIdSize);
  if (!voucherId) return voucherId.error();
  auto voucher = rpc::base64Field(body, "voucher");
  if (!voucher) return voucher.error();
  return TopupAnswer{std::move(*voucherId), std::move(*voucher)};
}

Json::Value ConfirmTopup::toJson() const {
  Json::Value body;
  body["record"] = rpc::base64Encode(record);
  return body;
}

Result<ConfirmTopup> ConfirmTopup::fromJson(const Json::Value& body) {
  auto record = rpc::base64Field(body, "record");
  if (!record) return record.error();
  return ConfirmTopup{std::move(*record)};
}

Json::Value ConfirmTopupAnswer::toJson() const {
  Json::Value body;
  body["status"] = status;
  return body;
}

Json::Value AccountAnswer::toJson() const {
  Json::Value body;
  body["account"] = account;
  body["currency"] = currency;
  body["balance"] = Json::UInt64(balance);
  body["pending"] = Json::UInt64(pending);
  return body;
}

}  // namespace hp::protocol::merchant
