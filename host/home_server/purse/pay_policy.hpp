// purse.pay under the calling terminal's policy (docs/proxy-architecture.md, "Terminal
// policies"): the shop and the method were checked by the gate (sessions/policy_gate.hpp); here
// come the amounts. A payment up to the policy's pin_only_max goes without PIN2 authority (the
// channel itself proves the access card and its PIN; the card takes such a DEBIT in standby up
// to its own cap, docs/emoney.md); above it the usual PIN2 admission applies. Over the limit per
// payment or per day is limit_exceeded before the card is asked; the day's count is reserved in
// the policy store before the DEBIT, settled with the card's answer and released only when the
// card refused (policy_store.hpp); an open one is reconciled with the card's log later
// (reservation_reconcile.hpp). The same order with another amount is a conflict, refused.
// A till sees "paid" and its record, never the balance (0 in its result).
#pragma once

#include <functional>

#include "host/home_server/core/server_log.hpp"
#include "host/home_server/purse/purse_service.hpp"
#include "host/home_server/sessions/authority_guard.hpp"
#include "host/home_server/terminals/policy_store.hpp"
#include "protocol/rpc/dispatcher.hpp"

namespace hp::home_server {

struct PayPolicy {
  PolicyStore* store = nullptr;  // null: no policies (every terminal a phone)
  std::function<uint64_t()> nowUnix;
  // The purse's clock (PurseServiceParts::nowMs, what the card logs): the reservation's time,
  // by which the reconciliation knows whether the card's log still reaches back to it.
  std::function<uint64_t()> nowMs;
  // After a payment by a till (new or retried): the notices mail it at once.
  std::function<void(const std::string& terminal)> tillPaid;
  // The user's certificate (DER), handed to a till with its payment record.
  std::function<Bytes()> userCertificate;
};

Result<void> registerPolicedPay(protocol::rpc::Dispatcher& dispatcher, PurseService& purse,
                                ServerLog& log, AuthorityGuard& authority, const PayPolicy& policy);

}  // namespace hp::home_server
