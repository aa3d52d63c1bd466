#include "host/home_server/purse/pay_policy.hpp"

#include "host/home_server/purse/purse_errors.hpp"
#include "host/home_server/sessions/rpc_methods.hpp"
#include "protocol/rpc/purse_methods.hpp"

namespace hp::home_server {

namespace {

namespace wire = protocol::rpc;
using protocol::rpc::RpcError;
using Answer = Result<wire::PursePay::Result, RpcError>;

constexpr uint64_t kDaySeconds = 24 * 3600;

// The card refused (or the shop could not be verified before the DEBIT): nothing moved, so the
// day's reservation goes. card_error and internal_error may hide a DEBIT that happened: kept.
bool nothingMoved(const RpcError& error) {
  return error.code != protocol::rpc::code::kCardError &&
         error.code != protocol::rpc::code::kInternal;
}

RpcError limit(const std::string& message) {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kLimitExceeded, message);
}

// Long on purpose: the order of a policed payment (limits, reservation, DEBIT, settlement).
// NOLINTNEXTLINE(readability-function-size)
Answer payWithin(PurseService& purse, ServerLog& log, const PayPolicy& rules,
                 const wire::PursePay::Params& params, const std::string& terminal) {
  auto url = parseShopUrl(params.url);
  if (!url)
    return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams,
                                       "url: " + url.error().message);
  const TerminalPolicy policy =
      rules.store ? rules.store->effective(terminal) : defaultPolicy("phone", "", 0);
  if (policy.perPayment > 0 && params.amount > policy.perPayment) {
    return limit("over this terminal's limit per payment (" +
                 moneyText(policy.perPayment, params.currency) + ")");
  }
  const PaymentKey key{terminal, url->host, params.orderRef};
  std::optional<Reservation> reserved;
  if (rules.store) {
    auto reservation =
        rules.store->reserve(key, params.currency, params.amount, rules.nowUnix() / kDaySeconds,
                             policy.perDay, rules.nowMs ? rules.nowMs() : 0);
    if (!reservation)
      return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                         reservation.error().message);
    if (*reservation == Reservation::kOverDay) {
      return limit("over this terminal's limit per day (" +
                   moneyText(policy.perDay, params.currency) + ")");
    }
    if (*reservation == Reservation::kConflict) {
      // The e-money rule: one order, one payment; the same order with another amount is not a
      // retry (the card would refuse it too, once it has paid the first).
      return protocol::rpc::makeRpcError(
          purse_code::kConflict, "payment of order " + params.orderRef + " to " + url->host +
                                     ": conflicts with an earlier payment of this order");
    }
    reserved = *reservation;
  }
  const bool till = policy.kind == "till";
  auto paid = purse.pay(*url, params.shopId, params.orderRef, params.currency, params.amount,
                        till ? terminal : std::string());
  if (reserved) {
    // The card's answer settles the reservation (and ends its in-flight mark). A refusal of a
    // retry keeps it: the first attempt may still be paying; the reconciliation decides later.
    Settlement settlement = Settlement::kKeepOpen;
    if (paid) {
      settlement = Settlement::kPaid;
    } else if (*reserved == Reservation::kReserved && nothingMoved(paid.error())) {
      settlement = Settlement::kRelease;
    }
    if (auto settled = rules.store->settle(key, settlement, paid ? paid->txn : 0); !settled) {
      log.warn("purse: day limit of " + terminal + ": " + settled.error().message);
    }
  }
  if (!paid) return paid.error();
  if (till && rules.tillPaid) rules.tillPaid(terminal);
  wire::PursePay::Result result{std::move(paid->record), paid->txn, till ? 0 : paid->balance,
                                std::nullopt};
  // The till posts the record over its own session with its shop: the shop checks the record
  // against the user's certificate, which the till gets here.
  if (till && rules.userCertificate) result.certificate = rules.userCertificate();
  return result;
}

// Payments up to pin_only_max skip the PIN2 admission; everything else goes through it. A payment
// over the limit per payment is refused first: no PIN2 is asked for what cannot be paid.
Result<Json::Value, RpcError> admitted(const PayPolicy& rules, const protocol::rpc::Handler& typed,
                                       const protocol::rpc::Handler& withPin2,
                                       const Json::Value& params,
                                       const protocol::rpc::CallContext& caller) {
  if (!rules.store || !params.isObject() || !params["amount"].isUInt64()) {
    return withPin2(params, caller);
  }
  const TerminalPolicy policy = rules.store->effective(caller.terminalId);
  const uint64_t amount = params["amount"].asUInt64();
  if (policy.perPayment > 0 && amount > policy.perPayment) {
    return limit("over this terminal's limit per payment (" +
                 moneyText(policy.perPayment, params["currency"].asString()) + ")");
  }
  const bool pinOnly = policy.pinOnlyMax > 0 && amount <= policy.pinOnlyMax;
  return pinOnly ? typed(params, caller) : withPin2(params, caller);
}

}  // namespace

Result<void> registerPolicedPay(protocol::rpc::Dispatcher& dispatcher, PurseService& purse,
                                ServerLog& log, AuthorityGuard& authority,
                                const PayPolicy& policy) {
  return wire::registerMethod<wire::PursePay>(
      dispatcher,
      [&purse, &log, policy](const wire::PursePay::Params& params,
                             const protocol::rpc::CallContext& caller) -> Answer {
        return payWithin(purse, log, policy, params, caller.terminalId);
      },
      [&log, &authority, policy](std::string name, wire::Access,
                                 const protocol::rpc::Handler& typed) {
        protocol::rpc::Handler withPin2 = authorizedHandler(authority, typed);
        protocol::rpc::Handler chosen =
            [policy, typed, withPin2](
                const Json::Value& params,
                const protocol::rpc::CallContext& caller) -> Result<Json::Value, RpcError> {
          return admitted(policy, typed, withPin2, params, caller);
        };
        return loggedHandler(log, std::move(name), std::move(chosen));
      });
}

}  // namespace hp::home_server
