#include "tools/till/till.hpp"

#include <chrono>
#include <cstdio>
#include <optional>

#include "base/clock.hpp"
#include "host/terminal/access_card_link.hpp"
#include "host/terminal/home_channel.hpp"
#include "host/terminal/money.hpp"
#include "host/terminal/pin_input.hpp"
#include "protocol/merchant/api_body.hpp"
#include "protocol/merchant/shop_api.hpp"
#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/purse_methods.hpp"
#include "tools/till/shop_link.hpp"

namespace hp::till {

namespace {

namespace wire = protocol::rpc;
namespace api = protocol::merchant;
using terminal::HomeChannel;

constexpr int kRefused = 1;
constexpr int kUnsettled = 3;

int say(int status, const std::string& message) {
  std::fprintf(stderr, "till: %s\n", message.c_str());
  return status;
}

// The shop's JSON answer over the till's own link (a POST; a GET without a body).
Result<Json::Value> shopCall(ShopLink& shop, const std::string& path, const std::string& body,
                             const char* method = "POST") {
  auto answer = shop.request(method, path, body);
  if (!answer) return answer.error();
  if (!answer->success()) {
    auto json = protocol::rpc::parseJson(answer->body);
    std::string why = "the shop answered HTTP " + std::to_string(answer->status);
    if (auto error = json ? api::ErrorBody::fromJson(*json) : std::nullopt)
      why += ": " + error->code;
    return makeError(why);
  }
  auto json = protocol::rpc::parseJson(answer->body);
  if (!json || !json->isObject()) return makeError("the shop's answer is not JSON");
  return json.value();
}

// A failure that may hide a DEBIT the card made (the channel was cut, the card link failed).
bool outcomeUnknown(const protocol::rpc::RpcError& error) {
  return error.code == terminal::kChannelCut || error.code == protocol::rpc::code::kCardError ||
         error.code == protocol::rpc::code::kInternal;
}

// purse.pay; when the home server answers pin2_required (the amount is over what the access
// card PIN alone may pay), PIN2 is asked at the till and the payment tried once more.
Result<wire::PursePay::Result, protocol::rpc::RpcError> pay(HomeChannel& channel,
                                                            const wire::PursePay::Params& params,
                                                            const TillOptions& options) {
  auto paid = wire::call<wire::PursePay>(channel, params);
  if (paid || paid.error().code != "pin2_required") return paid;
  std::printf("this amount needs the home card's PIN2\n");
  std::fflush(stdout);
  auto pin = terminal::readPin("PIN2: ", options.pinStdin);
  if (!pin) return protocol::rpc::makeRpcError("pin2_required", pin.error().message);
  wire::PinParams pinParams{std::string(reinterpret_cast<const char*>(pin->data()), pin->size())};
  auto granted = wire::call<wire::CardPin2>(channel, pinParams);
  if (!granted) return granted.error();
  return wire::call<wire::PursePay>(channel, params);
}

void printReceipt(const api::OrderAnswer& order, const wire::PursePay::Result& paid,
                  const std::string& status) {
  // An order without its quantity is one item (the shop's default).
  const std::string quantity = std::to_string(order.quantity == 0 ? 1 : order.quantity);
  std::printf("receipt  %s\n  order   %s\n  item    %s x %s\n  amount  %s\n  txn     %u\n  %s\n",
              order.shopId.c_str(), order.ref.c_str(), order.sku.c_str(), quantity.c_str(),
              terminal::formatAmount(order.amount, order.currency).c_str(), paid.txn,
              status.c_str());
  std::fflush(stdout);
}

// Pays `order` from the customer's purse and hands the card's record to the shop over the till's
// own session; prints the receipt. Also the --settle path: an identical retry of a cut-off
// payment gets the card's original record, so an order is paid at most once.
int settleOrder(HomeChannel& channel, ShopLink& shop, const api::OrderAnswer& order,
                const TillOptions& options) {
  const std::string& ref = order.ref;
  wire::PursePay::Params params;
  params.url = options.shop;
  params.orderRef = ref;
  params.currency = order.currency;
  params.amount = order.amount;
  if (!order.shopId.empty()) params.shopId = order.shopId;
  const auto asked = std::chrono::steady_clock::now();
  auto paid = pay(channel, params, options);
  if (options.verbose) {
    // Read by tools/bench/run_till_bench.sh: the home server's checks and the card's DEBIT.
    std::fprintf(stderr, "till: purse.pay %.3f ms\n", msSince(asked));
  }
  if (!paid && outcomeUnknown(paid.error())) {
    return say(kUnsettled, "order " + ref + ": the payment was cut off (" + paid.error().message +
                               "); the purse may or may not have paid: `till --shop " +
                               options.shop + " ... --settle " + ref +
                               "` with the customer's card settles it (it pays at most once)");
  }
  if (!paid) {
    return say(kRefused, "refused, nothing paid: " + terminal::describeRpcError(paid.error()));
  }
  if (!paid->certificate) {
    return say(kUnsettled, "order " + ref + ": paid (txn " + std::to_string(paid->txn) +
                               ") but the home server sent no certificate for the shop");
  }
  // The customer's record with the customer's certificate, over the till's own session.
  const Json::Value body = api::PayOrder{paid->payment, *paid->certificate}.toJson();
  const std::string payPath = api::orderPath(ref, "/pay");
  auto taken = shopCall(shop, payPath, protocol::rpc::encodeJson(body));
  if (!taken) taken = shopCall(shop, payPath, protocol::rpc::encodeJson(body));  // same receipt
  if (!taken) {
    return say(kUnsettled, "order " + ref + ": paid (txn " + std::to_string(paid->txn) +
                               ") but the shop did not take it: " + taken.error().message +
                               "; --settle " + ref + " hands it over again");
  }
  auto receipt = api::PayAnswer::fromJson(*taken);
  const std::string status = receipt ? receipt->status : "";
  printReceipt(order, *paid, status);
  return status == "paid" ? 0 : kRefused;
}

// One basket item: ordered at the shop, then settled.
int ringUp(HomeChannel& channel, ShopLink& shop, const BasketItem& item,
           const TillOptions& options) {
  const api::OrderRequest request{item.sku, item.quantity};
  auto answer =
      shopCall(shop, std::string(request.kPath), protocol::rpc::encodeJson(request.toJson()));
  if (!answer)
    return say(kRefused, "refused: ordering " + item.sku + ": " + answer.error().message);
  auto order = api::OrderAnswer::fromJson(*answer);
  if (!order) return say(kRefused, "refused: the shop's order is malformed");
  return settleOrder(channel, shop, *order, options);
}

// --settle: the order as the shop keeps it for this till. Read before the customer is asked for
// the card, so a wrong reference or an order already paid costs them nothing.
Result<api::OrderAnswer> orderToSettle(ShopLink& shop, const std::string& ref) {
  auto answer = shopCall(shop, api::orderPath(ref), "", "GET");
  if (!answer) return makeError("order " + ref + ": " + answer.error().message);
  auto order = api::OrderAnswer::fromJson(*answer);
  if (!order) return makeError("the shop's order is malformed: " + order.error().message);
  if (order->ref != ref) return makeError("the shop answered with another order");
  return order;
}

}  // namespace

int runTill(const TillOptions& options) {
  auto shop = terminal::parseHttpsUrl(options.shop);
  if (!shop) return say(2, "--shop: " + shop.error().message);
  const terminal::InfoSink sink = options.verbose ? terminal::InfoSink([](const std::string& line) {
    std::fprintf(stderr, "till: %s\n", line.c_str());
  })
                                                  : terminal::InfoSink();
  auto shopLink = ShopLink::create(*shop, options.certFile, options.keyFile, options.caFile);
  if (!shopLink) return say(2, shopLink.error().message);
  std::optional<api::OrderAnswer> toSettle;
  if (!options.settleRef.empty()) {
    auto order = orderToSettle(**shopLink, options.settleRef);
    if (!order) return say(kRefused, order.error().message);
    if (order->status != "awaiting_payment") {
      std::printf("order %s: %s at the shop, nothing to settle\n", order->ref.c_str(),
                  order->status.c_str());
      return order->status == "paid" ? 0 : kRefused;
    }
    toSettle = std::move(*order);
  }
  auto link = terminal::AccessCardLink::open(options.reader);
  if (!link) return say(kRefused, "insert the access card: " + link.error().message);
  if (auto status = (*link)->operationalStatus(); !status) {
    return say(kRefused, status.error().message);
  }
  std::printf("access card inserted\n");
  std::fflush(stdout);
  auto pin = terminal::readPin("access card PIN: ", options.pinStdin);
  if (!pin) return say(kRefused, pin.error().message);
  auto verified = (*link)->card().verifyPin(
      std::string_view(reinterpret_cast<const char*>(pin->data()), pin->size()));
  if (!verified) return say(kRefused, verified.error().message);
  if (verified->blocked()) return say(kRefused, "refused: the access card is blocked");
  if (!verified->verified()) {
    return say(kRefused,
               "refused: wrong PIN, " + std::to_string(verified->triesLeft) + " tries left");
  }
  auto channel = HomeChannel::connect((*link)->card(), sink);
  if (!channel) return say(kRefused, "refused: the home server: " + channel.error().message);
  int status = 0;
  if (toSettle) status = settleOrder(**channel, **shopLink, *toSettle, options);
  for (const BasketItem& item : options.basket) {
    status = ringUp(**channel, **shopLink, item, options);
    if (status != 0) break;
  }
  // The card leaves the till as it came: no PIN2 authority left, the access card locked.
  (void)wire::call<wire::CardFinish>(**channel, wire::NoParams{});
  channel->reset();
  (void)(*link)->card().lock();
  return status;
}

}  // namespace hp::till
