// The shop's HTTP API (docs/emoney.md, "Shop API"): each message a struct with its JSON mapping
// and limits, written and read by the shop (tools/shop_server) and the terminal's purse commands
// (host/terminal/purse_commands.cpp) alike, so a renamed member is a compile error. A request's
// fromJson refuses with the message the shop answers as 400 bad_request; an answer's fromJson
// is what the terminal accepts.
#pragma once

#include <json/json.h>

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hp::protocol::merchant {

inline constexpr size_t kMaxSku = 64;
inline constexpr uint64_t kMaxQuantity = 1000;
inline constexpr size_t kMaxOrderRef = 64;

// An order's path below the shop's base URL: "/orders/REF" + tail ("", "/pay", "/cancel",
// "/cancel/confirm").
inline std::string orderPath(const std::string& ref, const char* tail = "") {
  return "/orders/" + ref + tail;
}

// POST /orders.
struct OrderRequest {
  static constexpr std::string_view kPath = "/orders";
  std::string sku;
  uint64_t quantity = 1;  // 1..kMaxQuantity; 1 when absent
  Json::Value toJson() const;
  static hp::base::Result<OrderRequest> fromJson(const Json::Value& body);
};

// An order as the shop shows it (201 to POST /orders, 200 to GET /orders/REF).
struct OrderAnswer {
  std::string ref;
  std::string shopId;  // may be absent (then empty) from other shops
  std::string sku;
  uint64_t quantity = 0;
  std::string currency;
  uint64_t amount = 0;  // minor units, an integer token
  std::string status;   // awaiting_payment | paid | cancel_pending | cancelled
  Bytes receipt;        // the signed records, each present once issued
  Bytes cancellation;
  Bytes refund;
  Json::Value toJson() const;
  // What the terminal needs to pay it: order_ref, currency and amount; the rest optional.
  static hp::base::Result<OrderAnswer> fromJson(const Json::Value& body);
};

// POST /orders/REF/pay: the card's payment record. A till (tools/till) posts the customer's
// record over its own session and adds the customer's certificate (`payer`), which the shop
// checks against its user CA and checks the record with.
struct PayOrder {
  Bytes payment;
  Bytes payer;  // DER certificate; empty: the payer is the session's client certificate
  Json::Value toJson() const;
  static hp::base::Result<PayOrder> fromJson(const Json::Value& body);
};

// 200 to a payment.
struct PayAnswer {
  Bytes receipt;       // empty when absent or not base64: the terminal shows it as unreadable
  std::string status;  // "paid"
  Json::Value toJson() const;
  static hp::base::Result<PayAnswer> fromJson(const Json::Value& body);
};

// 200 to POST /orders/REF/cancel (no body): the shop's signed cancellation.
struct CancelAnswer {
  Bytes cancellation;
  std::string status;  // cancel_pending until the card's refund record is shown, or cancelled
  Json::Value toJson() const;
  static hp::base::Result<CancelAnswer> fromJson(const Json::Value& body);
};

// POST /orders/REF/cancel/confirm: the card's refund record.
struct ConfirmCancel {
  Bytes refund;
  Json::Value toJson() const;
  static hp::base::Result<ConfirmCancel> fromJson(const Json::Value& body);
};

// 200 to a confirmation.
struct StatusAnswer {
  std::string status;  // "cancelled"
  Json::Value toJson() const;
};

}  // namespace hp::protocol::merchant
