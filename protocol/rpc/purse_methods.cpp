#include "protocol/rpc/purse_methods.hpp"

#include "protocol/rpc/base64.hpp"

namespace hp::protocol::rpc {

namespace {

namespace purse = protocol::purse;

RpcError invalid(std::string message) {
  return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                         std::move(message));
}

// A positive amount in minor units, as an integer token only: 1e2 and 100.0 are reals to
// jsoncpp, yet isUInt64() says yes to them.
RpcResult<uint64_t> amountParam(const Json::Value& params, const char* name) {
  const Json::Value& value = params[name];
  if (!hp::protocol::rpc::isJsonInteger(value) || !value.isUInt64() || value.asUInt64() == 0 ||
      value.asUInt64() > kMaxAmount) {
    return invalid(std::string(name) + " must be a positive whole number of minor units");
  }
  return value.asUInt64();
}

// A URL's text (the server parses it: only it knows which hosts it will reach).
RpcResult<std::string> urlParam(const Json::Value& params, const char* name) {
  return hp::protocol::rpc::requireString(params, name, kMaxPurseUrl);
}

}  // namespace

Json::Value PurseBalance::Result::toJson() const {
  Json::Value json;
  json["purse_id"] = purseId;
  json["currency"] = currency;
  json["balance"] = Json::UInt64(balance);
  json["max"] = Json::UInt64(max);
  json["last_txn"] = lastTxn;
  return json;
}

RpcResult<PurseBalance::Result> PurseBalance::Result::fromJson(const Json::Value& json) {
  auto purseId = resultString(json, "purse_id");
  if (!purseId) return purseId.error();
  auto currency = resultString(json, "currency");
  if (!currency) return currency.error();
  auto balance = resultUInt64(json, "balance");
  if (!balance) return balance.error();
  auto max = resultUInt64(json, "max");
  if (!max) return max.error();
  auto lastTxn = resultUInt32(json, "last_txn");
  if (!lastTxn) return lastTxn.error();
  return Result{*purseId, *currency, *balance, *max, *lastTxn};
}

Json::Value PurseLogEntry::toJson() const {
  Json::Value json;
  json["txn"] = txn;
  json["kind"] = kind;
  json["time_ms"] = Json::UInt64(timeMs);
  json["currency"] = currency;
  json["amount"] = Json::UInt64(amount);
  json["balance_after"] = Json::UInt64(balanceAfter);
  json["party"] = party;
  json["reference"] = reference;
  json["related_txn"] = relatedTxn;
  return json;
}

RpcResult<PurseLogEntry> PurseLogEntry::fromJson(const Json::Value& json) {
  PurseLogEntry entry;
  auto txn = resultUInt32(json, "txn");
  if (!txn) return txn.error();
  auto kind = resultString(json, "kind");
  if (!kind) return kind.error();
  auto timeMs = resultUInt64(json, "time_ms");
  if (!timeMs) return timeMs.error();
  auto currency = resultString(json, "currency");
  if (!currency) return currency.error();
  auto amount = resultUInt64(json, "amount");
  if (!amount) return amount.error();
  auto balanceAfter = resultUInt64(json, "balance_after");
  if (!balanceAfter) return balanceAfter.error();
  auto party = resultString(json, "party");
  if (!party) return party.error();
  auto reference = resultString(json, "reference");
  if (!reference) return reference.error();
  auto relatedTxn = resultUInt32(json, "related_txn");
  if (!relatedTxn) return relatedTxn.error();
  return PurseLogEntry{*txn,          *kind,  *timeMs,    *currency,  *amount,
                       *balanceAfter, *party, *reference, *relatedTxn};
}

Json::Value PurseHistory::Params::toJson() const {
  Json::Value json(Json::objectValue);
  if (fromTxn) json["from_txn"] = *fromTxn;
  return json;
}

RpcResult<PurseHistory::Params> PurseHistory::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  Params params;
  if (json.isMember("from_txn")) {
    if (!json["from_txn"].isUInt() || json["from_txn"].asUInt() == 0) {
      return invalid("from_txn must be a transaction number (1 or more)");
    }
    params.fromTxn = json["from_txn"].asUInt();
  }
  return params;
}

Json::Value PurseHistory::Result::toJson() const {
  Json::Value list(Json::arrayValue);
  for (const PurseLogEntry& entry : entries) list.append(entry.toJson());
  Json::Value json;
  json["entries"] = list;
  return json;
}

RpcResult<PurseHistory::Result> PurseHistory::Result::fromJson(const Json::Value& json) {
  auto list = resultArray(json, "entries");
  if (!list) return list.error();
  Result result;
  for (const Json::Value& item : *list) {
    auto entry = PurseLogEntry::fromJson(item);
    if (!entry) return entry.error();
    result.entries.push_back(std::move(*entry));
  }
  return result;
}

Json::Value PursePay::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["url"] = url;
  json["order_ref"] = orderRef;
  json["currency"] = currency;
  json["amount"] = Json::UInt64(amount);
  if (shopId) json["shop_id"] = *shopId;
  return json;
}

RpcResult<PursePay::Params> PursePay::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto url = urlParam(json, "url");
  if (!url) return url.error();
  auto orderRef = hp::protocol::rpc::requireString(json, "order_ref", purse::kMaxReferenceSize);
  if (!orderRef) return orderRef.error();
  auto currency = hp::protocol::rpc::requireString(json, "currency", purse::kCurrencySize);
  if (!currency) return currency.error();
  if (!purse::validCurrency(*currency)) {
    return invalid("currency must be three upper-case letters (ISO 4217)");
  }
  auto amount = amountParam(json, "amount");
  if (!amount) return amount.error();
  Params params{std::move(*url), std::move(*orderRef), std::move(*currency), *amount, {}};
  if (json.isMember("shop_id")) {
    auto claimed = hp::protocol::rpc::requireString(json, "shop_id", 255);
    if (!claimed) return claimed.error();
    params.shopId = std::move(*claimed);
  }
  return params;
}

Json::Value PursePay::Result::toJson() const {
  Json::Value json;
  json["payment"] = hp::protocol::rpc::base64Encode(payment);
  json["txn"] = txn;
  json["balance"] = Json::UInt64(balance);
  if (certificate) json["certificate"] = hp::protocol::rpc::base64Encode(*certificate);
  return json;
}

RpcResult<PursePay::Result> PursePay::Result::fromJson(const Json::Value& json) {
  auto payment = resultBase64(json, "payment");
  if (!payment) return payment.error();
  auto txn = resultUInt32(json, "txn");
  if (!txn) return txn.error();
  auto balance = resultUInt64(json, "balance");
  if (!balance) return balance.error();
  Result result{std::move(*payment), *txn, *balance, std::nullopt};
  if (json.isMember("certificate")) {
    auto certificate = resultBase64(json, "certificate");
    if (!certificate) return certificate.error();
    result.certificate = std::move(*certificate);
  }
  return result;
}

Json::Value PurseCancel::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["cancellation"] = hp::protocol::rpc::base64Encode(cancellation);
  return json;
}

RpcResult<PurseCancel::Params> PurseCancel::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto text = hp::protocol::rpc::requireString(json, "cancellation", 1024);
  if (!text) return text.error();
  auto cancellation = hp::protocol::rpc::base64Decode(*text);
  if (!cancellation) return invalid("cancellation must be base64");
  return Params{std::move(*cancellation)};
}

Json::Value PurseCancel::Result::toJson() const {
  Json::Value json;
  json["refund"] = hp::protocol::rpc::base64Encode(refund);
  json["txn"] = txn;
  json["refunded"] = Json::UInt64(refunded);
  json["balance"] = Json::UInt64(balance);
  return json;
}

RpcResult<PurseCancel::Result> PurseCancel::Result::fromJson(const Json::Value& json) {
  auto refund = resultBase64(json, "refund");
  if (!refund) return refund.error();
  auto txn = resultUInt32(json, "txn");
  if (!txn) return txn.error();
  auto refunded = resultUInt64(json, "refunded");
  if (!refunded) return refunded.error();
  auto balance = resultUInt64(json, "balance");
  if (!balance) return balance.error();
  return Result{std::move(*refund), *txn, *refunded, *balance};
}

Json::Value PurseTopup::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["bank_url"] = bankUrl;
  json["account"] = account;
  json["amount"] = Json::UInt64(amount);
  return json;
}

RpcResult<PurseTopup::Params> PurseTopup::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto bank = urlParam(json, "bank_url");
  if (!bank) return bank.error();
  auto account = hp::protocol::rpc::requireString(json, "account", 64);
  if (!account) return account.error();
  auto amount = amountParam(json, "amount");
  if (!amount) return amount.error();
  return Params{std::move(*bank), std::move(*account), *amount};
}

Json::Value PurseTopup::Result::toJson() const {
  Json::Value json;
  json["voucher_id"] = voucherId;
  json["txn"] = txn;
  json["balance"] = Json::UInt64(balance);
  json["settled"] = settled;
  return json;
}

RpcResult<PurseTopup::Result> PurseTopup::Result::fromJson(const Json::Value& json) {
  auto voucherId = resultString(json, "voucher_id");
  if (!voucherId) return voucherId.error();
  auto txn = resultUInt32(json, "txn");
  if (!txn) return txn.error();
  auto balance = resultUInt64(json, "balance");
  if (!balance) return balance.error();
  auto settled = resultBool(json, "settled");
  if (!settled) return settled.error();
  return Result{*voucherId, *txn, *balance, *settled};
}

}  // namespace hp::protocol::rpc
