// protocol/merchant: the shop and bank messages both ends compile against. Each message survives
// its own JSON mapping, and each refusal is the one the servers answer as 400 bad_request.
#include <doctest/doctest.h>

#include "protocol/merchant/api_body.hpp"
#include "protocol/merchant/bank_api.hpp"
#include "protocol/merchant/shop_api.hpp"
#include "protocol/rpc/message.hpp"

namespace api = hp::protocol::merchant;
using hp::Bytes;

namespace {

Json::Value json(const char* text) {
  auto parsed = hp::protocol::rpc::parseJson(text);
  REQUIRE(parsed.ok());
  return *parsed;
}

api::TopupRequest goodTopup() {
  return api::TopupRequest{"req-1", "acct-7", "0011223344556677", 3, "EUR", 2500};
}

// The refusal message of TopupRequest::fromJson after `edit` changed a good request.
template <class Edit>
std::string topupRefusal(Edit edit) {
  Json::Value body = goodTopup().toJson();
  edit(body);
  auto parsed = api::TopupRequest::fromJson(body);
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message;
}

}  // namespace

TEST_CASE("bank: a top-up request round-trips, its purse ID as toHex writes it") {
  api::TopupRequest request = goodTopup();
  request.purseId = "00112233445566aa";
  auto back = api::TopupRequest::fromJson(request.toJson());
  REQUIRE(back.ok());
  CHECK(back->requestId == "req-1");
  CHECK(back->account == "acct-7");
  CHECK(back->purseId == hp::toHex(Bytes{0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0xaa}));
  CHECK(back->creditSeq == 3);
  CHECK(back->currency == "EUR");
  CHECK(back->amount == 2500);
}

TEST_CASE("bank: a top-up request is refused member by member, in order") {
  CHECK(topupRefusal([](Json::Value& b) { b.removeMember("request_id"); }) ==
        "\"request_id\" must be a string");
  CHECK(topupRefusal([](Json::Value& b) { b["account"] = std::string(65, 'a'); }) ==
        "\"account\" must be 1..64 characters");
  // The first bad member is named, even when a later one is bad too.
  CHECK(topupRefusal([](Json::Value& b) {
          b["purse_id"] = 5;
          b["amount"] = "x";
        }) == "\"purse_id\" must be a string");
  CHECK(topupRefusal([](Json::Value& b) { b["purse_id"] = "00112233445566zz"; }) ==
        "\"purse_id\" must be 16 hex digits");
  CHECK(topupRefusal([](Json::Value& b) { b["purse_id"] = "0011"; }) ==
        "\"purse_id\" must be 16 hex digits");
  CHECK(topupRefusal([](Json::Value& b) { b["credit_seq"] = 0; }) ==
        "\"credit_seq\" must be 1..2^32-1");
  CHECK(topupRefusal([](Json::Value& b) { b["credit_seq"] = Json::UInt64(1ull << 32); }) ==
        "\"credit_seq\" must be 1..2^32-1");
  CHECK(topupRefusal([](Json::Value& b) { b["currency"] = "eur"; }) ==
        "\"currency\" must be ISO 4217 (e.g. EUR)");
  CHECK(topupRefusal([](Json::Value& b) { b["amount"] = 0; }) == "\"amount\" must be > 0");
  CHECK(topupRefusal([](Json::Value& b) { b["amount"] = -1; }) ==
        "\"amount\" must be a non-negative integer");
  CHECK(topupRefusal([](Json::Value& b) { b["amount"] = Json::UInt64(1ull << 53); }) ==
        "\"amount\" must be a non-negative integer");
}

TEST_CASE("bank: an amount must be an integer token, not 5.0") {
  auto parsed = api::TopupRequest::fromJson(
      json(R"({"request_id":"r","account":"a","purse_id":"0011223344556677","credit_seq":1,)"
           R"("currency":"EUR","amount":5.0})"));
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().message == "\"amount\" must be a non-negative integer");
}

TEST_CASE("bank: the voucher answer and the confirmation round-trip") {
  const Bytes voucher{1, 2, 3, 4, 5};
  auto answer = api::TopupAnswer::fromJson(api::TopupAnswer{"ab12", voucher}.toJson());
  REQUIRE(answer.ok());
  CHECK(answer->voucherId == "ab12");
  CHECK(answer->voucher == voucher);
  CHECK_FALSE(api::TopupAnswer::fromJson(json(R"({"voucher_id":"ab12","voucher":"!!"})")).ok());
  CHECK_FALSE(api::TopupAnswer::fromJson(json(R"({"voucher":"AQID"})")).ok());

  auto confirm = api::ConfirmTopup::fromJson(api::ConfirmTopup{voucher}.toJson());
  REQUIRE(confirm.ok());
  CHECK(confirm->record == voucher);
  CHECK(api::ConfirmTopup::path("ab12") == "/topups/ab12/confirm");
  auto empty = api::ConfirmTopup::fromJson(json(R"({"record":""})"));
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message == "\"record\" is not valid base64");
  auto tooLong = api::ConfirmTopup::fromJson(api::ConfirmTopup{Bytes(4097, 0x41)}.toJson());
  REQUIRE_FALSE(tooLong.ok());
  CHECK(tooLong.error().message == "\"record\" is too long");
}

TEST_CASE("shop: an order request round-trips; quantity defaults to 1 and is bounded") {
  auto back = api::OrderRequest::fromJson(api::OrderRequest{"tea", 7}.toJson());
  REQUIRE(back.ok());
  CHECK(back->sku == "tea");
  CHECK(back->quantity == 7);
  auto defaulted = api::OrderRequest::fromJson(json(R"({"sku":"tea"})"));
  REQUIRE(defaulted.ok());
  CHECK(defaulted->quantity == 1);
  for (const char* bad : {R"({"sku":"tea","quantity":0})", R"({"sku":"tea","quantity":1001})",
                          R"({"sku":"tea","quantity":"2"})"}) {
    auto refused = api::OrderRequest::fromJson(json(bad));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "\"quantity\" must be an integer 1..1000");
  }
  auto noSku = api::OrderRequest::fromJson(json(R"({"sku":""})"));
  REQUIRE_FALSE(noSku.ok());
  CHECK(noSku.error().message == "\"sku\" must be 1..64 characters");
}

TEST_CASE("shop: an order round-trips; the terminal needs its reference, currency and amount") {
  const api::OrderAnswer order{"ord-1", "shop.example", "tea",  2,       "EUR",
                               1234,    "paid",         {9, 9}, Bytes{}, Bytes{}};
  auto back = api::OrderAnswer::fromJson(order.toJson());
  REQUIRE(back.ok());
  CHECK(back->ref == "ord-1");
  CHECK(back->shopId == "shop.example");
  CHECK(back->sku == "tea");
  CHECK(back->quantity == 2);
  CHECK(back->currency == "EUR");
  CHECK(back->amount == 1234);
  CHECK(back->status == "paid");
  CHECK(back->receipt == Bytes{9, 9});
  CHECK_FALSE(order.toJson().isMember("refund"));  // a record shows once issued

  CHECK_FALSE(api::OrderAnswer::fromJson(json(R"({"currency":"EUR","amount":1})")).ok());
  CHECK_FALSE(
      api::OrderAnswer::fromJson(json(R"({"order_ref":"o","currency":"EUR","amount":1.5})")).ok());
  CHECK_FALSE(api::OrderAnswer::fromJson(
                  json(R"({"order_ref":"o","currency":"EUR","amount":1,"shop_id":7})"))
                  .ok());
  CHECK(api::OrderAnswer::fromJson(json(R"({"order_ref":"o","currency":"EUR","amount":1})")).ok());
  CHECK(api::orderPath("o", "/cancel/confirm") == "/orders/o/cancel/confirm");
}

TEST_CASE("shop: payment, receipt, cancellation and refund messages round-trip") {
  const Bytes record{7, 7, 7};
  auto pay = api::PayOrder::fromJson(api::PayOrder{record}.toJson());
  REQUIRE(pay.ok());
  CHECK(pay->payment == record);
  CHECK(pay->payer.empty());
  CHECK_FALSE(api::PayOrder{record}.toJson().isMember("payer"));
  // A till adds the customer's certificate.
  auto tillPay = api::PayOrder::fromJson(api::PayOrder{record, Bytes{0x30, 0x82}}.toJson());
  REQUIRE(tillPay.ok());
  CHECK(tillPay->payer == Bytes{0x30, 0x82});
  auto badPayer = api::PayOrder::fromJson(json(R"({"payment":"AQID","payer":""})"));
  REQUIRE_FALSE(badPayer.ok());
  CHECK(badPayer.error().message == "\"payer\" is not valid base64");
  auto noPayment = api::PayOrder::fromJson(json(R"({"payment":5})"));
  REQUIRE_FALSE(noPayment.ok());
  CHECK(noPayment.error().message == "\"payment\" must be a base64 string");

  auto receipt = api::PayAnswer::fromJson(api::PayAnswer{record, "paid"}.toJson());
  REQUIRE(receipt.ok());
  CHECK(receipt->receipt == record);
  CHECK(receipt->status == "paid");
  // An unreadable receipt is shown as such, not a refusal; a missing status is a refusal.
  auto unreadable = api::PayAnswer::fromJson(json(R"({"receipt":"%%","status":"paid"})"));
  REQUIRE(unreadable.ok());
  CHECK(unreadable->receipt.empty());
  CHECK_FALSE(api::PayAnswer::fromJson(json(R"({"receipt":"AQID"})")).ok());

  auto cancel = api::CancelAnswer::fromJson(api::CancelAnswer{record, "cancel_pending"}.toJson());
  REQUIRE(cancel.ok());
  CHECK(cancel->cancellation == record);
  CHECK(cancel->status == "cancel_pending");

  auto confirm = api::ConfirmCancel::fromJson(api::ConfirmCancel{record}.toJson());
  REQUIRE(confirm.ok());
  CHECK(confirm->refund == record);
  CHECK_FALSE(api::ConfirmCancel::fromJson(json("{}")).ok());
  CHECK(api::StatusAnswer{"cancelled"}.toJson()["status"] == "cancelled");
}

TEST_CASE("the error body round-trips and describes an answer") {
  const api::ErrorBody error{"slot_taken", "a voucher is outstanding"};
  auto back = api::ErrorBody::fromJson(error.toJson());
  REQUIRE(back.has_value());
  CHECK(back->code == "slot_taken");
  CHECK(back->message == "a voucher is outstanding");
  CHECK(api::describeAnswer(409, error.toJson()) ==
        "HTTP 409 slot_taken: a voucher is outstanding");
  CHECK(api::describeAnswer(502, json("{}")) == "HTTP 502");
  CHECK_FALSE(api::ErrorBody::fromJson(json(R"({"error":"x"})")).has_value());
}
