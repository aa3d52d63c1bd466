#include "host/terminal/purse_views.hpp"

#include <ctime>

#include "host/terminal/money.hpp"
#include "protocol/purse/purse_records.hpp"
#include "protocol/rpc/base64.hpp"

namespace hp::terminal {

namespace {

std::string amountOf(const Json::Value& value, const std::string& currency, int sign = 1) {
  return formatAmount(value.asUInt64(), currency, sign);
}

}  // namespace

std::string utcTime(uint64_t unixMs) {
  const std::time_t t = static_cast<std::time_t>(unixMs / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &utc);
  return text;
}

Table balanceTable(const Json::Value& balance) {
  const std::string currency = balance.get("currency", "").asString();
  Table table;
  table.title = "purse";
  table.fields = {"balance", "maximum", "transactions"};
  table.rows.push_back({amountOf(balance["balance"], currency), amountOf(balance["max"], currency),
                        std::to_string(balance.get("last_txn", 0).asUInt())});
  return table;
}

Table historyTable(const Json::Value& entries) {
  Table table;
  table.title = "purse history";
  table.fields = {"txn", "time", "kind", "amount", "balance", "party", "reference"};
  for (const auto& entry : entries) {
    const std::string kind = entry.get("kind", "").asString();
    const std::string currency = entry.get("currency", "").asString();
    std::string reference = entry.get("reference", "").asString();
    if (kind == "refund")
      reference += " (txn " + std::to_string(entry["related_txn"].asUInt()) + ")";
    table.rows.push_back(
        {std::to_string(entry["txn"].asUInt()), utcTime(entry["time_ms"].asUInt64()),
         kind == "debit"    ? "payment"
         : kind == "credit" ? "top-up"
                            : kind,
         amountOf(entry["amount"], currency, kind == "debit" ? -1 : 1),
         amountOf(entry["balance_after"], ""), entry.get("party", "").asString(), reference});
  }
  return table;
}

Table receiptTable(const Json::Value& order, const Json::Value& payment,
                   const Json::Value& shopAnswer) {
  const std::string currency = order.get("currency", "").asString();
  Table table;
  table.title = "receipt";
  table.fields = {"shop", "order", "paid", "txn", "balance", "status"};
  std::string status = shopAnswer.get("status", "?").asString();
  // The shop's signed receipt: shown as what it says (the terminal holds no shop keys; the
  // card's registry does), so a receipt for another order or amount stands out.
  auto receiptBytes = protocol::rpc::base64Decode(shopAnswer.get("receipt", "").asString());
  auto parts = receiptBytes ? protocol::purse::splitSigned(*receiptBytes) : std::nullopt;
  auto receipt = parts ? protocol::purse::decodeReceipt(parts->body) : std::nullopt;
  if (!receipt) {
    status += " (no readable receipt)";
  } else if (std::string(receipt->orderRef.begin(), receipt->orderRef.end()) !=
                 order.get("order_ref", "").asString() ||
             receipt->amount != order["amount"].asUInt64() || receipt->currency != currency ||
             receipt->txn != payment["txn"].asUInt()) {
    status += " (the receipt does not match this payment!)";
  }
  table.rows.push_back({order.get("shop_id", "").asString(), order.get("order_ref", "").asString(),
                        amountOf(order["amount"], currency),
                        std::to_string(payment["txn"].asUInt()),
                        amountOf(payment["balance"], currency), status});
  return table;
}

Table topupTable(const Json::Value& topup, const std::string& account, uint64_t amount,
                 const std::string& currency) {
  Table table;
  table.title = "top-up";
  table.fields = {"account", "amount", "txn", "balance", "bank"};
  table.rows.push_back(
      {account, formatAmount(amount, currency), std::to_string(topup["txn"].asUInt()),
       amountOf(topup["balance"], currency),
       topup.get("settled", false).asBool() ? "settled" : "settling (retried later)"});
  return table;
}

Table cancelTable(const std::string& orderRef, const Json::Value& refund,
                  const std::string& currency) {
  Table table;
  table.title = "cancelled";
  table.fields = {"order", "refunded", "txn", "balance"};
  table.rows.push_back({orderRef, amountOf(refund["refunded"], currency),
                        std::to_string(refund["txn"].asUInt()),
                        amountOf(refund["balance"], currency)});
  return table;
}

}  // namespace hp::terminal
