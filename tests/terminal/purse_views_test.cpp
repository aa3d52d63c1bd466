// The purse commands' output: amounts as major.minor with the currency, laid out for a phone
// (one field per line) or a laptop (a table), and a receipt that does not match the payment
// flagged instead of shown as fine.
#include <doctest.h>

#include <algorithm>

#include "host/terminal/money.hpp"
#include "host/terminal/purse_views.hpp"
#include "protocol/purse/purse_records.hpp"
#include "protocol/rpc/base64.hpp"

namespace hp::terminal {

namespace {

const OutputLayout kPhone{false, 32};
const OutputLayout kLaptop{true, 120};

Json::Value order() {
  Json::Value order;
  order["order_ref"] = "ord-1";
  order["shop_id"] = "localhost";
  order["currency"] = "EUR";
  order["amount"] = 1234;
  return order;
}

Json::Value payment() {
  Json::Value payment;
  payment["txn"] = 7;
  payment["balance"] = 8766;
  return payment;
}

Json::Value shopAnswer(uint64_t receiptAmount) {
  protocol::purse::Receipt receipt;
  receipt.shopId = bytesOf("localhost");
  receipt.orderRef = bytesOf("ord-1");
  receipt.txn = 7;
  receipt.currency = "EUR";
  receipt.amount = receiptAmount;
  // The terminal does not check the shop's signature (it has no shop keys): any will do here.
  const Bytes signedReceipt =
      protocol::purse::appendSignature(protocol::purse::encode(receipt), Bytes(70, 1));
  Json::Value answer;
  answer["receipt"] = protocol::rpc::base64Encode(signedReceipt);
  answer["status"] = "paid";
  return answer;
}

}  // namespace

TEST_CASE("money: minor units shown and typed as major.minor") {
  CHECK(formatAmount(1234, "EUR") == "12.34 EUR");
  CHECK(formatAmount(5, "EUR") == "0.05 EUR");
  CHECK(formatAmount(100, "") == "1.00");
  CHECK(formatAmount(250, "EUR", -1) == "-2.50 EUR");
  CHECK(*parseAmount("12.34") == 1234);
  CHECK(*parseAmount("12.3") == 1230);
  CHECK(*parseAmount("12") == 1200);
  CHECK(*parseAmount("0.01") == 1);
  for (const char* bad :
       {"", ".5", "1.", "1.234", "-1", "+1", "1,50", "0", "0.00", "abc", "99999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseAmount(bad).ok());
  }
}

TEST_CASE("purse views: balance and history on a phone and a laptop") {
  Json::Value balance;
  balance["currency"] = "EUR";
  balance["balance"] = 4321;
  balance["max"] = 100000;
  balance["last_txn"] = 3;
  const std::string narrow = render(balanceTable(balance), kPhone);
  CHECK(narrow.find("balance: 43.21 EUR\n") != std::string::npos);
  CHECK(narrow.find("maximum: 1000.00 EUR\n") != std::string::npos);

  Json::Value entries(Json::arrayValue);
  Json::Value debit;
  debit["txn"] = 2;
  debit["kind"] = "debit";
  debit["time_ms"] = Json::UInt64(1'790'000'000'000);
  debit["currency"] = "EUR";
  debit["amount"] = 1234;
  debit["balance_after"] = 4321;
  debit["party"] = "localhost";
  debit["reference"] = "ord-1";
  debit["related_txn"] = 0;
  entries.append(debit);
  Json::Value refund = debit;
  refund["txn"] = 3;
  refund["kind"] = "refund";
  refund["balance_after"] = 5555;
  refund["related_txn"] = 2;
  entries.append(refund);
  const std::string wide = render(historyTable(entries), kLaptop);
  CHECK(wide.find("-12.34 EUR") != std::string::npos);
  CHECK(wide.find("12.34 EUR") != std::string::npos);
  CHECK(wide.find("payment") != std::string::npos);
  CHECK(wide.find("ord-1 (txn 2)") != std::string::npos);
  CHECK(wide.find("2026-") != std::string::npos);
  // One header line, one line per entry (after the title).
  CHECK(std::count(wide.begin(), wide.end(), '\n') >= 4);
  const std::string phone = render(historyTable(entries), kPhone);
  CHECK(phone.find("amount: -12.34 EUR\n") != std::string::npos);
  CHECK(render(historyTable(Json::Value(Json::arrayValue)), kPhone).find("(none)") !=
        std::string::npos);
}

TEST_CASE("purse views: a receipt that matches, and one that does not") {
  const std::string good = render(receiptTable(order(), payment(), shopAnswer(1234)), kPhone);
  CHECK(good.find("paid: 12.34 EUR\n") != std::string::npos);
  CHECK(good.find("status: paid\n") != std::string::npos);
  const std::string bad = render(receiptTable(order(), payment(), shopAnswer(1)), kLaptop);
  CHECK(bad.find("does not match") != std::string::npos);
  Json::Value noReceipt;
  noReceipt["status"] = "paid";
  CHECK(render(receiptTable(order(), payment(), noReceipt), kLaptop).find("no readable receipt") !=
        std::string::npos);
}

}  // namespace hp::terminal
