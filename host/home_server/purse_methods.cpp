#include "purse_methods.hpp"

#include "base64.hpp"
#include "params.hpp"
#include "rpc_methods.hpp"

namespace hp::home {

namespace {

namespace purse = card::purse;
using rpc::RpcError;
using MethodResult = Result<Json::Value, RpcError>;

RpcError invalid(const std::string& message) {
  return rpc::makeRpcError(rpc::code::kInvalidParams, message);
}

// A positive amount in minor units; JSON numbers beyond 2^53 would lose precision in some
// peers, and no purse holds that much.
Result<uint64_t, RpcError> amountParam(const Json::Value& params, const char* name) {
  const Json::Value& value = params[name];
  // An integer token only: 1e2 and 100.0 are reals to jsoncpp, yet isUInt64() says yes.
  if (!rpc::isJsonInteger(value) || !value.isUInt64() || value.asUInt64() == 0 ||
      value.asUInt64() > (1ull << 53)) {
    return invalid(std::string(name) + " must be a positive whole number of minor units");
  }
  return value.asUInt64();
}

Result<ShopUrl, RpcError> urlParam(const Json::Value& params, const char* name) {
  auto text = rpc::requireString(params, name, 2048);
  if (!text) return text.error();
  auto url = parseShopUrl(*text);
  if (!url) return invalid(std::string(name) + ": " + url.error().message);
  return url.value();
}

const char* kindName(purse::EntryKind kind) {
  switch (kind) {
    case purse::EntryKind::kDebit:
      return "debit";
    case purse::EntryKind::kCredit:
      return "credit";
    case purse::EntryKind::kRefund:
      return "refund";
  }
  return "unknown";
}

}  // namespace

Json::Value logEntryJson(const purse::LogEntry& entry) {
  Json::Value json;
  json["txn"] = entry.txn;
  json["kind"] = kindName(entry.kind);
  json["time_ms"] = Json::UInt64(entry.timeMs);
  json["currency"] = entry.currency;
  json["amount"] = Json::UInt64(entry.amount);
  json["balance_after"] = Json::UInt64(entry.balanceAfter);
  json["party"] = std::string(entry.party.begin(), entry.party.end());
  json["reference"] = entry.kind == purse::EntryKind::kCredit
                          ? toHex(entry.reference)
                          : std::string(entry.reference.begin(), entry.reference.end());
  json["related_txn"] = entry.relatedTxn;
  return json;
}

Result<void> registerPurseMethods(rpc::Dispatcher& dispatcher, PurseService& purse, ServerLog& log,
                                  AuthorityGuard& authority) {
  const std::pair<const char*, rpc::Handler> methods[] = {
      {"purse.balance",
       [&purse](const Json::Value& params, const rpc::CallContext&) -> MethodResult {
         if (auto only = rpc::expectOnly(params, {}); !only) return only.error();
         auto status = purse.balance();
         if (!status) return status.error();
         Json::Value result;
         result["purse_id"] = toHex(status->purseId);
         result["currency"] = status->currency;
         result["balance"] = Json::UInt64(status->balance);
         result["max"] = Json::UInt64(status->maxBalance);
         result["last_txn"] = status->lastTxn;
         return result;
       }},
      {"purse.history",
       [&purse](const Json::Value& params, const rpc::CallContext&) -> MethodResult {
         if (auto only = rpc::expectOnly(params, {"from_txn"}); !only) return only.error();
         uint32_t from = 1;
         if (params.isMember("from_txn")) {
           if (!params["from_txn"].isUInt() || params["from_txn"].asUInt() == 0) {
             return invalid("from_txn must be a transaction number (1 or more)");
           }
           from = params["from_txn"].asUInt();
         }
         auto entries = purse.history(from);
         if (!entries) return entries.error();
         Json::Value list(Json::arrayValue);
         for (const auto& entry : *entries) list.append(logEntryJson(entry));
         Json::Value result;
         result["entries"] = list;
         return result;
       }},
      {"purse.pay",
       authorizedHandler(
           authority,
           [&purse](const Json::Value& params, const rpc::CallContext&) -> MethodResult {
             if (auto only =
                     rpc::expectOnly(params, {"url", "order_ref", "currency", "amount", "shop_id"});
                 !only) {
               return only.error();
             }
             auto url = urlParam(params, "url");
             if (!url) return url.error();
             auto orderRef = rpc::requireString(params, "order_ref", purse::kMaxReferenceSize);
             if (!orderRef) return orderRef.error();
             auto currency = rpc::requireString(params, "currency", purse::kCurrencySize);
             if (!currency) return currency.error();
             if (!purse::validCurrency(*currency)) {
               return invalid("currency must be three upper-case letters (ISO 4217)");
             }
             auto amount = amountParam(params, "amount");
             if (!amount) return amount.error();
             std::optional<std::string> shopId;
             if (params.isMember("shop_id")) {
               auto claimed = rpc::requireString(params, "shop_id", 255);
               if (!claimed) return claimed.error();
               shopId = *claimed;
             }
             auto paid = purse.pay(*url, shopId, *orderRef, *currency, *amount);
             if (!paid) return paid.error();
             Json::Value result;
             result["payment"] = rpc::base64Encode(paid->record);
             result["txn"] = paid->txn;
             result["balance"] = Json::UInt64(paid->balance);
             return result;
           })},
      {"purse.cancel",
       authorizedHandler(
           authority,
           [&purse](const Json::Value& params, const rpc::CallContext&) -> MethodResult {
             if (auto only = rpc::expectOnly(params, {"cancellation"}); !only) return only.error();
             auto text = rpc::requireString(params, "cancellation", 1024);
             if (!text) return text.error();
             auto cancellation = rpc::base64Decode(*text);
             if (!cancellation) return invalid("cancellation must be base64");
             auto refunded = purse.cancel(*cancellation);
             if (!refunded) return refunded.error();
             Json::Value result;
             result["refund"] = rpc::base64Encode(refunded->record);
             result["txn"] = refunded->txn;
             result["refunded"] = Json::UInt64(refunded->refunded);
             result["balance"] = Json::UInt64(refunded->balance);
             return result;
           })},
      {"purse.topup",
       authorizedHandler(
           authority,
           [&purse](const Json::Value& params, const rpc::CallContext&) -> MethodResult {
             if (auto only = rpc::expectOnly(params, {"bank_url", "account", "amount"}); !only) {
               return only.error();
             }
             auto bank = urlParam(params, "bank_url");
             if (!bank) return bank.error();
             if (bank->path.find('?') != std::string::npos) {
               return invalid("bank_url must not have a query");
             }
             auto account = rpc::requireString(params, "account", 64);
             if (!account) return account.error();
             auto amount = amountParam(params, "amount");
             if (!amount) return amount.error();
             auto done = purse.topup(*bank, *account, *amount);
             if (!done) return done.error();
             Json::Value result;
             result["voucher_id"] = done->voucherIdHex;
             result["txn"] = done->txn;
             result["balance"] = Json::UInt64(done->balance);
             result["settled"] = done->settled;
             return result;
           })},
  };
  for (const auto& [name, handler] : methods) {
    if (auto added = dispatcher.add(name, loggedHandler(log, name, handler)); !added) return added;
  }
  return {};
}

}  // namespace hp::home
