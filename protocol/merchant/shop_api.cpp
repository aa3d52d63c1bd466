#include "protocol/merchant/shop_api.hpp"

#include "protocol/rpc/base64.hpp"
#include "protocol/rpc/params.hpp"

namespace hp::protocol::merchant {

namespace {

using hp::base::makeError;
using hp::base::Result;

// A base64 member that may be absent or unreadable (empty then).
Bytes optionalBytes(const Json::Value& body, const char* name) {
  auto bytes = rpc::base64Field(body, name);
  return bytes ? std::move(*bytes) : Bytes{};
}

void putBytes(Json::Value& body, const char* name, const Bytes& bytes) {
  if (!bytes.empty()) body[name] = rpc::base64Encode(bytes);
}

}  // namespace

Json::Value OrderRequest::toJson() const {
  Json::Value body;
  body["sku"] = sku;
  body["quantity"] = Json::UInt64(quantity);
  return body;
}

Result<OrderRequest> OrderRequest::fromJson(const Json::Value& body) {
  auto sku = rpc::stringField(body, "sku", kMaxSku);
  if (!sku) return sku.error();
  OrderRequest request{std::move(*sku)};
  if (body.isMember("quantity")) {
    auto given = rpc::unsignedField(body, "quantity");
    if (!given || *given == 0 || *given > kMaxQuantity) {
      return makeError("\"quantity\" must be an integer 1.." + std::to_string(kMaxQuantity));
    }
    request.quantity = *given;
  }
  return request;
}

Json::Value OrderAnswer::toJson() const {
  Json::Value body;
  body["order_ref"] = ref;
  if (!shopId.empty()) body["shop_id"] = shopId;
  body["sku"] = sku;
  body["quantity"] = Json::UInt64(quantity);
  body["currency"] = currency;
  body["amount"] = Json::UInt64(amount);
  body["status"] = status;
  putBytes(body, "receipt", receipt);
  putBytes(body, "cancellation", cancellation);
  putBytes(body, "refund", refund);
  return body;
}

Result<OrderAnswer> OrderAnswer::fromJson(const Json::Value& body) {
  if (!body.isObject()) return makeError("an order must be a JSON object");
  OrderAnswer order;
  auto ref = rpc::stringField(body, "order_ref", kMaxOrderRef);
  if (!ref) return ref.error();
  auto currency = rpc::stringField(body, "currency", 3);
  if (!currency) return currency.error();
  auto amount = rpc::unsignedField(body, "amount");
  if (!amount) return amount.error();
  order.ref = std::move(*ref);
  order.currency = std::move(*currency);
  order.amount = *amount;
  if (body.isMember("shop_id")) {
    auto shopId = rpc::stringField(body, "shop_id");
    if (!shopId) return shopId.error();
    order.shopId = std::move(*shopId);
  }
  if (body["sku"].isString()) order.sku = body["sku"].asString();
  if (auto quantity = rpc::unsignedField(body, "quantity")) order.quantity = *quantity;
  if (body["status"].isString()) order.status = body["status"].asString();
  order.receipt = optionalBytes(body, "receipt");
  order.cancellation = optionalBytes(body, "cancellation");
  order.refund = optionalBytes(body, "refund");
  return order;
}

Json::Value PayOrder::toJson() const {
  Json::Value body;
  body["payment"] = rpc::base64Encode(payment);
  putBytes(body, "payer", payer);
  return body;
}

Result<PayOrder> PayOrder::fromJson(const Json::Value& body) {
  auto payment = rpc::base64Field(body, "payment");
  if (!payment) return payment.error();
  PayOrder pay{std::move(*payment), {}};
  if (body.isMember("payer")) {
    auto payer = rpc::base64Field(body, "payer");
    if (!payer) return payer.error();
    pay.payer = std::move(*payer);
  }
  return pay;
}

Json::Value PayAnswer::toJson() const {
  Json::Value body;
  body["receipt"] = rpc::base64Encode(receipt);
  body["status"] = status;
  return body;
}

Result<PayAnswer> PayAnswer::fromJson(const Json::Value& body) {
  if (!body["status"].isString()) return makeError("\"status\" must be a string");
  return PayAnswer{optionalBytes(body, "receipt"), body["status"].asString()};
}

Json::Value CancelAnswer::toJson() const {
  Json::Value body;
  body["cancellation"] = rpc::base64Encode(cancellation);
  body["status"] = status;
  return body;
}

Result<CancelAnswer> CancelAnswer::fromJson(const Json::Value& body) {
  if (!body["status"].isString()) return makeError("\"status\" must be a string");
  // A cancelled order's answer needs no cancellation to act on; a pending one does.
  return CancelAnswer{optionalBytes(body, "cancellation"), body["status"].asString()};
}

Json::Value ConfirmCancel::toJson() const {
  Json::Value body;
  body["refund"] = rpc::base64Encode(refund);
  return body;
}

Result<ConfirmCancel> ConfirmCancel::fromJson(const Json::Value& body) {
  auto refund = rpc::base64Field(body, "refund");
  if (!refund) return refund.error();
  return ConfirmCancel{std::move(*refund)};
}

Json::Value StatusAnswer::toJson() const {
  Json::Value body;
  body["status"] = status;
  return body;
}

}  // namespace hp::protocol::merchant
