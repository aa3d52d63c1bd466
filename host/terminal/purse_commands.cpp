// The purse commands (docs/emoney.md, "Terminal CLI"). buy and cancel talk to the shop over the
// session the home server delegates (like get/post) and to the purse through the home server;
// the terminal itself never holds a key nor moves value.
#include <cctype>
#include <chrono>
#include <cstdio>

#include "base/clock.hpp"
#include "host/terminal/command_support.hpp"
#include "host/terminal/purse_views.hpp"
#include "protocol/merchant/api_body.hpp"
#include "protocol/merchant/shop_api.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/purse_methods.hpp"

namespace hp::terminal {

namespace {

namespace wire = protocol::rpc;
namespace api = protocol::merchant;

// An order reference goes into a URL path: only characters that need no escaping.
bool isSafeReference(const std::string& ref) {
  if (ref.empty() || ref.size() > 32) return false;
  for (char c : ref) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// The shop's base URL with `path` appended ("https://shop/" + "/orders").
HttpsUrl below(const HttpsUrl& base, const std::string& path) {
  HttpsUrl url = base;
  std::string prefix = base.path.substr(0, base.path.find('?'));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  url.path = prefix + path;
  return url;
}

std::string shopError(const HttpAnswer& answer) {
  auto body = protocol::rpc::parseJson(answer.body);
  std::string text = "the shop answered HTTP " + std::to_string(answer.status);
  if (auto error = body ? api::ErrorBody::fromJson(*body) : std::nullopt) {
    text += ": " + error->code + ": " + error->message;
  }
  return text;
}

// A JSON object from a 2xx answer of the shop.
Result<Json::Value> shopJson(const Result<HttpAnswer>& answer, const std::string& what) {
  if (!answer) return makeError(what + ": " + answer.error().message);
  if (!answer->success()) return makeError(what + ": " + shopError(*answer));
  auto body = protocol::rpc::parseJson(answer->body);
  if (!body || !body->isObject()) return makeError(what + ": the shop's answer is not JSON");
  return body.value();
}

struct Session {
  std::unique_ptr<HomeChannel> channel;
  InfoSink sink;
};

Result<Session> connectHome(const CliOptions& options, AccessCardLink& link) {
  if (auto unlocked = link.requireUnlocked(); !unlocked) return unlocked.error();
  InfoSink sink = infoSink(options);
  auto channel = HomeChannel::open(link, sink);
  if (!channel) return channel.error();
  return Session{std::move(channel.value()), sink};
}

// A purse call (the contract's method M); the error keeps its code and says "home server: ..."
// in the user's words.
template <class M>
Result<typename M::Result, protocol::rpc::RpcError> callPurse(
    HomeChannel& channel, const typename M::Params& params = {}) {
  auto result = wire::call<M>(channel, params);
  if (!result) {
    protocol::rpc::RpcError error = result.error();
    error.message = "home server: " + describeRpcError(error);
    return error;
  }
  return std::move(result.value());
}

// A purse call that failed this way may have been carried out by the card: the channel was cut
// (the home server stopped), or the card link failed mid-command (the card was pulled or
// killed after it may have written). Every other code is a refusal before anything moved.
bool outcomeUnknown(const protocol::rpc::RpcError& error) {
  return error.code == kChannelCut || error.code == protocol::rpc::code::kCardError ||
         error.code == protocol::rpc::code::kInternal;
}

// Milliseconds since `start`, for the -v progress lines: where a payment's time goes (the
// order, the purse with its card DEBIT, the shop's check of the record) without a profiler.
std::string tookText(std::chrono::steady_clock::time_point start) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", msSince(start));
  return text;
}

// A shop's order as the contract reads it (api::OrderAnswer: the members purse.pay carries, an
// amount as an integer token, docs/emoney.md "Strict JSON"), with a reference safe in a URL.
Result<api::OrderAnswer> readOrder(const Json::Value& json) {
  auto order = api::OrderAnswer::fromJson(json);
  if (!order || !isSafeReference(order->ref)) return makeError("the shop's order is malformed");
  return order;
}

// A request to the shop as the options say: over a delegated session, or relayed.
Result<HttpAnswer> fetchShop(const CliOptions& options, Session& session, const HttpsUrl& url,
                             const std::string& body, const char* method = "POST") {
  if (options.relay) return fetchRelayed(*session.channel, url, method, body);
  return fetchDelegated(*session.channel, url, method, body, session.sink, "application/json");
}

// Pays the shop's order `order` (awaiting payment) from the purse and hands the card's record to
// the shop; prints the receipt. Returns the exit status. A failure names the order, so `pay`
// can finish it: the card answers an identical DEBIT retry with the original record.
int payOrder(const CliOptions& options, const HttpsUrl& shop, Session& session,
             const OutputLayout& layout, const api::OrderAnswer& order) {
  HomeChannel& channel = *session.channel;
  const std::string& orderRef = order.ref;
  // The home server pays the host it verified; the order's shop_id must be that host.
  auto started = std::chrono::steady_clock::now();
  wire::PursePay::Params pay;
  pay.url = options.url;
  pay.orderRef = orderRef;
  pay.currency = order.currency;
  pay.amount = order.amount;
  if (!order.shopId.empty()) pay.shopId = order.shopId;
  auto payment = callPurse<wire::PursePay>(channel, pay);
  const std::string payCommand = "`terminal pay " + options.url + " " + orderRef + "`";
  if (!payment && outcomeUnknown(payment.error())) {
    return unsettled("order " + orderRef + ": the payment was cut off: " + payment.error().message +
                     ". The purse may or may not have paid; " + payCommand +
                     " settles it (it pays at most once)");
  }
  if (!payment) {
    // Refused before anything moved: the order stays unpaid at the shop, which charges
    // nothing for it; it is harmless to leave, or paid later when the reason is gone.
    std::string next = "the unpaid order at the shop costs nothing and can be left";
    if (payment.error().code == "insufficient_funds") {
      next += "; after a top-up, " + payCommand + " pays it if you still want it";
    }
    return fail("order " + orderRef + " not paid, nothing moved: " + payment.error().message +
                " (" + next + ")");
  }
  info(session.sink, "purse paid order " + orderRef + ", txn " + std::to_string(payment->txn) +
                         " (" + tookText(started) + ")");

  started = std::chrono::steady_clock::now();
  const Json::Value body = api::PayOrder{payment->payment}.toJson();
  const HttpsUrl payUrl = below(shop, api::orderPath(orderRef, "/pay"));
  auto answer = shopJson(fetchShop(options, session, payUrl, protocol::rpc::encodeJson(body)),
                         "handing over the payment");
  if (!answer) {
    // An identical retry is safe: the shop answers the same receipt for the same record.
    info(session.sink, answer.error().message + "; retrying once");
    answer = shopJson(fetchShop(options, session, payUrl, protocol::rpc::encodeJson(body)),
                      "handing over the payment");
  }
  if (!answer) {
    return unsettled("order " + orderRef + ": the purse paid (txn " + std::to_string(payment->txn) +
                     ") but the shop did not take the payment: " + answer.error().message + " (" +
                     payCommand + " delivers it; the purse does not pay twice)");
  }
  auto receipt = api::PayAnswer::fromJson(*answer);
  if (!receipt) {
    return unsettled("order " + orderRef + ": the purse paid (txn " + std::to_string(payment->txn) +
                     ") but the shop's answer is malformed: " + receipt.error().message + " (" +
                     payCommand + " shows the order)");
  }
  info(session.sink,
       "shop took the payment for order " + orderRef + " (" + tookText(started) + ")");
  // The tables render the messages' JSON mapping (purse_views.hpp).
  print(render(receiptTable(order.toJson(), payment->toJson(), receipt->toJson()), layout));
  std::fflush(stdout);
  return receipt->status == "paid" ? 0 : 1;
}

// One order at the shop, paid from the purse; prints the receipt. Returns the exit status.
int buyOne(const CliOptions& options, const HttpsUrl& shop, Session& session,
           const OutputLayout& layout) {
  auto started = std::chrono::steady_clock::now();
  const api::OrderRequest request{options.sku, options.quantity};
  auto answer = shopJson(fetchShop(options, session, below(shop, std::string(request.kPath)),
                                   protocol::rpc::encodeJson(request.toJson())),
                         "ordering");
  if (!answer) return fail(answer.error().message);
  auto order = readOrder(*answer);
  if (!order) return fail(order.error().message);
  info(session.sink, "order " + order->ref + " at " +
                         (order->shopId.empty() ? std::string("?") : order->shopId) + " (" +
                         tookText(started) + ")");
  return payOrder(options, shop, session, layout, *order);
}

// buy [--repeat N]: N orders one after the other over one channel; stops at the first that is
// not paid (insufficient funds, a refusal), so nothing is ordered after a failure.
int buy(const CliOptions& options, AccessCardLink& link) {
  auto shop = parseHttpsUrl(options.url);
  if (!shop) return fail(shop.error().message);
  auto session = connectHome(options, link);
  if (!session) return fail(session.error().message);
  const OutputLayout layout = layoutOf(link.card());
  for (uint32_t i = 0; i < options.repeat; ++i) {
    if (const int status = buyOne(options, *shop, *session, layout); status != 0) {
      if (options.repeat == 1) return status;
      (void)fail(std::to_string(i) + " of " + std::to_string(options.repeat) +
                 " orders paid; stopped at the first failure");
      return status;
    }
  }
  return 0;
}

// pay URL ORDER_REF: finishes an order that a buy left unpaid (killed, or the card or shop
// unreachable between the DEBIT and the shop taking the record). The order's amount and currency
// come from the shop, so purse.pay repeats exactly the first attempt's DEBIT (same shop, order
// reference, currency, amount) and the card answers it with the original record, or pays now if
// the first attempt never reached the card: either way the purse moves at most once.
int payExisting(const CliOptions& options, AccessCardLink& link) {
  auto shop = parseHttpsUrl(options.url);
  if (!shop) return fail(shop.error().message);
  if (!isSafeReference(options.orderRef)) {
    return fail("order reference \"" + options.orderRef + "\" must be 1..32 of [A-Za-z0-9._-]");
  }
  auto session = connectHome(options, link);
  if (!session) return fail(session.error().message);
  auto answer = shopJson(
      fetchShop(options, *session, below(*shop, api::orderPath(options.orderRef)), "", "GET"),
      "reading order " + options.orderRef);
  if (!answer) return fail(answer.error().message);
  auto order = readOrder(*answer);
  if (!order || order->ref != options.orderRef) return fail("the shop's order is malformed");
  const std::string& status = order->status;
  if (status == "paid") {
    print("order " + options.orderRef + " is already paid\n");
    return 0;
  }
  if (status != "awaiting_payment") {
    return fail("order " + options.orderRef + " is " + status + ", nothing to pay");
  }
  return payOrder(options, *shop, *session, layoutOf(link.card()), *order);
}

// cancel URL ORDER_REF and refund URL ORDER_REF. The shop signs a cancellation
// (`POST /orders/REF/cancel`, answered the same when repeated), the card refunds it
// (`purse.cancel`: an identical CANCEL is answered with the original refund record), and the shop
// marks the order cancelled on that record (`cancel/confirm`, idempotent). Every step repeats
// safely, so running the command again finishes a cancellation that was cut off anywhere. `refund`
// only finishes one: it refuses an order that is not cancel_pending, so it never starts a
// cancellation.
int cancel(const CliOptions& options, AccessCardLink& link) {
  auto shop = parseHttpsUrl(options.url);
  if (!shop) return fail(shop.error().message);
  if (!isSafeReference(options.orderRef)) {
    return fail("order reference \"" + options.orderRef + "\" must be 1..32 of [A-Za-z0-9._-]");
  }
  auto session = connectHome(options, link);
  if (!session) return fail(session.error().message);
  HomeChannel& channel = *session->channel;
  const std::string& ref = options.orderRef;
  if (options.command == Command::kRefund) {
    auto order =
        shopJson(fetchShop(options, *session, below(*shop, api::orderPath(ref)), "", "GET"),
                 "reading order " + ref);
    if (!order) return fail(order.error().message);
    const std::string status = (*order)["status"].isString() ? (*order)["status"].asString() : "";
    if (status == "cancelled") {
      print("order " + ref + " is already cancelled and refunded\n");
      return 0;
    }
    if (status != "cancel_pending") {
      return fail("order " + ref + " is " + status +
                  ", no cancellation to finish (`terminal cancel " + options.url + " " + ref +
                  "` starts one)");
    }
  }
  auto posted = fetchDelegated(channel, below(*shop, api::orderPath(ref, "/cancel")), "POST", "",
                               session->sink, "application/json");
  if (!posted) {
    // The shop may have signed the cancellation and the answer been lost: nothing moved in the
    // purse; `refund` picks it up if the shop has it, and says so if not.
    return unsettled("order " + ref + ": cancelling at the shop was cut off: " +
                     posted.error().message + ". Nothing was refunded yet; `terminal refund " +
                     options.url + " " + ref + "` finishes it if the shop took the cancellation");
  }
  auto answer = shopJson(posted, "cancelling at the shop");
  if (!answer) return fail(answer.error().message);
  auto cancelled = api::CancelAnswer::fromJson(*answer);
  if (!cancelled) return fail("the shop's cancellation is malformed: " + cancelled.error().message);
  if (cancelled->status == "cancelled") {
    print("order " + ref + " is already cancelled and refunded\n");
    return 0;
  }
  // The shop's cancellation travels on as the shop wrote it: the home server judges it.
  if (cancelled->cancellation.empty()) return fail("the shop's cancellation is not base64");
  const std::string refundCommand = "`terminal refund " + options.url + " " + ref + "`";
  auto refund = callPurse<wire::PurseCancel>(channel, {std::move(cancelled->cancellation)});
  if (!refund && outcomeUnknown(refund.error())) {
    return unsettled("order " + ref + ": the refund was cut off: " + refund.error().message +
                     ". The purse may or may not have taken it; " + refundCommand +
                     " settles it (the purse refunds at most once)");
  }
  if (!refund) {
    return fail("order " + ref + " not refunded, nothing moved: " + refund.error().message +
                " (the shop keeps the order cancel_pending and counts it as paid)");
  }
  // The shop counts the order refunded only on the card's refund record (cancel/confirm). An
  // identical confirm is safe to repeat, so retry once; if it still fails, `refund` finishes it
  // later: the card answers the repeated CANCEL with the same record.
  const Json::Value confirm = api::ConfirmCancel{refund->refund}.toJson();
  const HttpsUrl confirmUrl = below(*shop, api::orderPath(ref, "/cancel/confirm"));
  auto confirmed =
      shopJson(fetchShop(options, *session, confirmUrl, protocol::rpc::encodeJson(confirm)),
               "confirming the refund at the shop");
  if (!confirmed) {
    info(session->sink, confirmed.error().message + "; retrying once");
    confirmed =
        shopJson(fetchShop(options, *session, confirmUrl, protocol::rpc::encodeJson(confirm)),
                 "confirming the refund at the shop");
  }
  if (!confirmed) {
    return unsettled("order " + ref + ": the purse took the refund (txn " +
                     std::to_string(refund->txn) +
                     ") but the shop did not take its confirmation: " + confirmed.error().message +
                     " (" + refundCommand + " delivers it)");
  }
  auto balance = callPurse<wire::PurseBalance>(channel);
  const std::string currency = balance ? balance->currency : "";
  print(render(cancelTable(ref, refund->toJson(), currency), layoutOf(link.card())));
  return 0;
}

int topup(const CliOptions& options, AccessCardLink& link) {
  auto session = connectHome(options, link);
  if (!session) return fail(session.error().message);
  auto done = callPurse<wire::PurseTopup>(*session->channel,
                                          {options.url, options.account, options.amount});
  if (!done &&
      (outcomeUnknown(done.error()) || done.error().code == protocol::rpc::code::kUpstreamError)) {
    // The home server keeps a top-up it started (pending_vouchers) and finishes it by itself.
    return unsettled("the top-up was cut off: " + done.error().message +
                     ". If the home server had started it, it finishes it by itself (once it "
                     "runs with PIN1 and the card has PIN2); `terminal history` shows the credit");
  }
  if (!done) return fail("nothing moved: " + done.error().message);
  auto balance = callPurse<wire::PurseBalance>(*session->channel);
  const std::string currency = balance ? balance->currency : "";
  print(render(topupTable(done->toJson(), options.account, options.amount, currency),
               layoutOf(link.card())));
  return 0;
}

int show(const CliOptions& options, AccessCardLink& link) {
  auto session = connectHome(options, link);
  if (!session) return fail(session.error().message);
  const bool history = options.command == Command::kHistory;
  // The tables render the results' JSON mapping (purse_views.hpp).
  if (history) {
    auto entries = callPurse<wire::PurseHistory>(*session->channel);
    if (!entries) return fail(entries.error().message);
    print(render(historyTable(entries->toJson()["entries"]), layoutOf(link.card())));
    return 0;
  }
  auto balance = callPurse<wire::PurseBalance>(*session->channel);
  if (!balance) return fail(balance.error().message);
  print(render(balanceTable(balance->toJson()), layoutOf(link.card())));
  return 0;
}

}  // namespace

int runPurseCommand(const CliOptions& options, AccessCardLink& link) {
  switch (options.command) {
    case Command::kBuy:
      return buy(options, link);
    case Command::kCancel:
    case Command::kRefund:
      return cancel(options, link);
    case Command::kPay:
      return payExisting(options, link);
    case Command::kTopup:
      return topup(options, link);
    case Command::kBalance:
    case Command::kHistory:
      return show(options, link);
    default:
      break;
  }
  return fail("not a purse command");
}

}  // namespace hp::terminal
