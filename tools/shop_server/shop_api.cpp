#include "tools/shop_server/shop_api.hpp"

#include "protocol/purse/purse_records.hpp"
#include "protocol/rpc/base64.hpp"
#include "tools/merchant/api_error.hpp"
#include "tools/merchant/json_http.hpp"
#include "tools/shop_server/payer_certificate.hpp"
#include "tools/shop_server/payment_check.hpp"
#include "tools/shop_server/refund_check.hpp"

namespace hp::shop_server {

namespace purse = protocol::purse;
using merchant::ApiError;
using merchant::HttpRequest;
using merchant::HttpResponse;
using merchant::PeerIdentity;

namespace {

constexpr uint64_t kMaxQuantity = 1000;
constexpr size_t kOrderRefRandomBytes = 12;  // 24 hex digits: fits the card's 32-byte reference

Json::Value orderJson(const Order& order, const std::string& shopId) {
  Json::Value out;
  out["order_ref"] = order.ref;
  out["shop_id"] = shopId;
  out["sku"] = order.sku;
  out["quantity"] = Json::UInt64(order.quantity);
  out["currency"] = order.currency;
  out["amount"] = Json::UInt64(order.amount);
  out["status"] = order.status;
  if (!order.receipt.empty()) out["receipt"] = protocol::rpc::base64Encode(order.receipt);
  if (!order.cancellation.empty())
    out["cancellation"] = protocol::rpc::base64Encode(order.cancellation);
  if (!order.refund.empty()) out["refund"] = protocol::rpc::base64Encode(order.refund);
  return out;
}

HttpResponse receiptAnswer(const Order& order) {
  Json::Value out;
  out["receipt"] = protocol::rpc::base64Encode(order.receipt);
  out["status"] = "paid";
  return merchant::jsonResponse(200, out);
}

HttpResponse cancellationAnswer(const Order& order) {
  Json::Value out;
  out["cancellation"] = protocol::rpc::base64Encode(order.cancellation);
  out["status"] = order.status;  // cancel_pending until the card's refund record is shown
  return merchant::jsonResponse(200, out);
}

}  // namespace

HttpResponse ShopApi::handle(const HttpRequest& request, const PeerIdentity& peer) {
  std::lock_guard lock(mutex_);
  const auto path = merchant::pathSegments(request.target);
  auto method = [&](const char* allowed) -> std::optional<HttpResponse> {
    if (request.method == allowed) return std::nullopt;
    return merchant::errorResponse(405, "method_not_allowed", request.target + " takes " + allowed);
  };
  if (path.size() == 1 && path[0] == "catalogue") {
    if (auto refused = method("GET")) return *refused;
    return catalogue();
  }
  if (path.size() == 1 && path[0] == "orders") {
    if (auto refused = method("POST")) return *refused;
    return createOrder(request, peer);
  }
  if (path.size() == 2 && path[0] == "orders") {
    if (auto refused = method("GET")) return *refused;
    return showOrder(path[1], peer);
  }
  if (path.size() == 3 && path[0] == "orders" && path[2] == "pay") {
    if (auto refused = method("POST")) return *refused;
    return pay(path[1], request, peer);
  }
  if (path.size() == 3 && path[0] == "orders" && path[2] == "cancel") {
    if (auto refused = method("POST")) return *refused;
    return cancel(path[1], peer);
  }
  if (path.size() == 4 && path[0] == "orders" && path[2] == "cancel" && path[3] == "confirm") {
    if (auto refused = method("POST")) return *refused;
    return confirmCancel(path[1], request, peer);
  }
  return merchant::errorResponse(404, "not_found", "no such resource: " + request.target);
}

HttpResponse ShopApi::storageFailure(const Error& error) {
  // The message may name SQL internals: the log gets it, the client a generic one.
  if (parts_.log) parts_.log("storage: " + error.message);
  return merchant::errorResponse(500, "storage_error", "the shop could not store the order");
}

HttpResponse ShopApi::catalogue() const {
  Json::Value out;
  out["shop_id"] = parts_.shopId;
  out["currency"] = parts_.catalogue.currency;
  out["items"] = Json::Value(Json::arrayValue);
  for (const CatalogueItem& item : parts_.catalogue.items) {
    Json::Value entry;
    entry["sku"] = item.sku;
    entry["name"] = item.name;
    entry["price"] = Json::UInt64(item.price);
    out["items"].append(entry);
  }
  return merchant::jsonResponse(200, out);
}

HttpResponse ShopApi::createOrder(const HttpRequest& request, const PeerIdentity& peer) {
  auto body = merchant::parseJsonObject(request.body);
  if (!body) return merchant::errorResponse(400, "bad_request", body.error().message);
  auto sku = merchant::stringField(*body, "sku", 64);
  if (!sku) return merchant::errorResponse(400, "bad_request", sku.error().message);
  uint64_t quantity = 1;
  if (body->isMember("quantity")) {
    auto given = merchant::unsignedField(*body, "quantity");
    if (!given || *given == 0 || *given > kMaxQuantity) {
      return merchant::errorResponse(
          400, "bad_request", "\"quantity\" must be an integer 1.." + std::to_string(kMaxQuantity));
    }
    quantity = *given;
  }
  const CatalogueItem* item = parts_.catalogue.find(*sku);
  if (!item) return merchant::errorResponse(404, "unknown_sku", "no item with SKU " + *sku);
  if (item->price > UINT64_MAX / quantity) {
    return merchant::errorResponse(400, "bad_request", "amount too large");
  }
  const Bytes random = parts_.rng->bytes(kOrderRefRandomBytes);
  if (random.size() != kOrderRefRandomBytes) {
    return merchant::errorResponse(500, "internal_error", "no random order reference");
  }
  Order order;
  order.ref = toHex(random);
  order.owner = peer.keyFingerprint;
  order.sku = *sku;
  order.quantity = quantity;
  order.currency = parts_.catalogue.currency;
  order.amount = item->price * quantity;
  order.status = kAwaitingPayment;
  order.createdMs = parts_.nowMs();
  if (auto stored = parts_.orders->insert(order); !stored) return storageFailure(stored.error());
  Json::Value out = orderJson(order, parts_.shopId);
  return merchant::jsonResponse(201, out);
}

Result<Order, ApiError> ShopApi::ownOrder(const std::string& ref, const PeerIdentity& peer) {
  auto found = parts_.orders->find(ref);
  if (!found) return ApiError{500, "storage_error", "the shop could not read the order"};
  // Someone else's order looks exactly like a missing one: references are not to be probed.
  if (!*found || (*found)->owner != peer.keyFingerprint) {
    return ApiError{404, "no_such_order", "no order " + ref + " for this client certificate"};
  }
  return std::move(**found);
}

HttpResponse ShopApi::showOrder(const std::string& ref, const PeerIdentity& peer) {
  auto order = ownOrder(ref, peer);
  if (!order) return merchant::toResponse(order.error());
  return merchant::jsonResponse(200, orderJson(*order, parts_.shopId));
}

HttpResponse ShopApi::pay(const std::string& ref, const HttpRequest& request,
                          const PeerIdentity& peer) {
  auto order = ownOrder(ref, peer);
  if (!order) return merchant::toResponse(order.error());
  auto body = merchant::parseJsonObject(request.body);
  if (!body) return merchant::errorResponse(400, "bad_request", body.error().message);
  auto payment = merchant::base64Field(*body, "payment");
  if (!payment) return merchant::errorResponse(400, "bad_request", payment.error().message);

  if (order->status != kAwaitingPayment) {
    // The same record again is a retry (the first answer may have been lost): same receipt.
    if (order->status == kPaid && *payment == order->payment) return receiptAnswer(*order);
    if (order->status == kPaid) {
      return merchant::errorResponse(409, "already_paid",
                                     "order " + ref + " is already paid with another record");
    }
    return merchant::errorResponse(409, "order_cancelled", "order " + ref + " is cancelled");
  }
  const ExpectedPayment expected{parts_.shopId, order->ref, order->currency, order->amount};
  // A till posts the customer's record over its own session, with the customer's certificate.
  merchant::PeerIdentity signer = peer;
  if (body->isMember("payer")) {
    auto der = merchant::base64Field(*body, "payer");
    if (!der) return merchant::errorResponse(400, "bad_request", der.error().message);
    auto payer = verifiedPayer(*der, parts_.userCaFile);
    if (!payer) return merchant::toResponse(payer.error());
    signer = std::move(payer.value());
  }
  auto record = checkPayment(expected, signer.ecPoint, signer.keyDescription, *payment);
  if (!record) return merchant::toResponse(record.error());

  purse::Receipt receipt;
  receipt.shopId = bytesOf(parts_.shopId);
  receipt.orderRef = bytesOf(order->ref);
  receipt.purseId = record->purseId;
  receipt.txn = record->entry.txn;
  receipt.currency = order->currency;
  receipt.amount = order->amount;
  auto signedReceipt = parts_.signingKey->signObject(purse::kReceiptLabel, purse::encode(receipt));
  if (!signedReceipt) {
    return merchant::errorResponse(500, "internal_error", "the shop could not sign a receipt");
  }
  auto paid = parts_.orders->markPaid(ref, *payment, *signedReceipt, record->purseId,
                                      record->entry.txn, parts_.nowMs());
  if (!paid) return storageFailure(paid.error());
  if (!*paid) {
    // Only possible if another process shares the database; answer from what it stored.
    return merchant::errorResponse(409, "order_changed", "order " + ref + " changed meanwhile");
  }
  order->payment = *payment;
  order->receipt = *signedReceipt;
  return receiptAnswer(*order);
}

HttpResponse ShopApi::cancel(const std::string& ref, const PeerIdentity& peer) {
  auto order = ownOrder(ref, peer);
  if (!order) return merchant::toResponse(order.error());
  if (order->status == kCancelPending || order->status == kCancelled) {
    return cancellationAnswer(*order);
  }
  if (order->status != kPaid) {
    return merchant::errorResponse(409, "not_paid",
                                   "order " + ref + " is not paid: nothing to cancel");
  }
  const auto record = [&]() -> std::optional<purse::PurseRecord> {
    const auto parts = purse::splitSigned(order->payment);
    return parts ? purse::decodePurseRecord(parts->body) : std::nullopt;
  }();
  if (!record) {
    return merchant::errorResponse(500, "storage_error", "the stored payment is unreadable");
  }
  purse::Cancellation cancellation;
  cancellation.shopId = bytesOf(parts_.shopId);
  cancellation.purseId = record->purseId;
  cancellation.txn = record->entry.txn;
  cancellation.orderRef = bytesOf(order->ref);
  cancellation.currency = order->currency;
  cancellation.amount = order->amount;
  auto signedCancellation =
      parts_.signingKey->signObject(purse::kCancellationLabel, purse::encode(cancellation));
  if (!signedCancellation) {
    return merchant::errorResponse(500, "internal_error", "the shop could not sign a cancellation");
  }
  // Not cancelled yet: the card may refuse the cancellation (a payment out of its log), and
  // until its refund record is shown the order still counts as paid.
  auto pending = parts_.orders->markCancelPending(ref, *signedCancellation, parts_.nowMs());
  if (!pending) return storageFailure(pending.error());
  if (!*pending) {
    return merchant::errorResponse(409, "order_changed", "order " + ref + " changed meanwhile");
  }
  order->cancellation = *signedCancellation;
  order->status = kCancelPending;
  return cancellationAnswer(*order);
}

HttpResponse ShopApi::confirmCancel(const std::string& ref, const HttpRequest& request,
                                    const PeerIdentity& peer) {
  auto order = ownOrder(ref, peer);
  if (!order) return merchant::toResponse(order.error());
  auto body = merchant::parseJsonObject(request.body);
  if (!body) return merchant::errorResponse(400, "bad_request", body.error().message);
  auto refund = merchant::base64Field(*body, "refund");
  if (!refund) return merchant::errorResponse(400, "bad_request", refund.error().message);

  auto confirmedAnswer = [&] {
    Json::Value out;
    out["status"] = kCancelled;
    return merchant::jsonResponse(200, out);
  };
  if (order->status == kCancelled) {
    // The same record again is a retry (the first answer may have been lost).
    if (*refund == order->refund) return confirmedAnswer();
    return merchant::errorResponse(409, "already_cancelled",
                                   "order " + ref + " is already cancelled with another record");
  }
  if (order->status != kCancelPending) {
    return merchant::errorResponse(409, "not_cancel_pending",
                                   "order " + ref + " has no cancellation to confirm");
  }
  const ExpectedRefund expected{parts_.shopId, order->ref,      order->purseId,
                                order->txn,    order->currency, order->amount};
  auto record = checkRefund(expected, peer.ecPoint, peer.keyDescription, *refund);
  if (!record) return merchant::toResponse(record.error());
  auto cancelled = parts_.orders->markCancelled(ref, *refund, parts_.nowMs());
  if (!cancelled) return storageFailure(cancelled.error());
  if (!*cancelled) {
    return merchant::errorResponse(409, "order_changed", "order " + ref + " changed meanwhile");
  }
  return confirmedAnswer();
}

}  // namespace hp::shop_server
