#include "host/home_server/purse/purse_methods.hpp"

#include "host/home_server/sessions/rpc_methods.hpp"
#include "protocol/rpc/purse_methods.hpp"

namespace hp::home_server {

namespace {

namespace purse = protocol::purse;
namespace wire = protocol::rpc;
using protocol::rpc::RpcError;
template <class M>
using Answer = Result<typename M::Result, RpcError>;

RpcError invalid(const std::string& message) {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams, message);
}

// The URL a purse method was given, parsed the home server's way (the error names the member).
Result<ShopUrl, RpcError> shopUrl(const std::string& text, const char* name) {
  auto url = parseShopUrl(text);
  if (!url) return invalid(std::string(name) + ": " + url.error().message);
  return url.value();
}

const char* kindName(purse::EntryKind kind) {
  switch (kind) {
    case purse::EntryKind::kDebit:
      return "debit";
    case purse::EntryKind::kCredit:
      return "credit";
    case purse::EntryKind::kRefund:
      return "refund";
  }
  return "unknown";
}

wire::PurseLogEntry logEntry(const purse::LogEntry& entry) {
  return wire::PurseLogEntry{
      entry.txn,
      kindName(entry.kind),
      entry.timeMs,
      entry.currency,
      entry.amount,
      entry.balanceAfter,
      std::string(entry.party.begin(), entry.party.end()),
      entry.kind == purse::EntryKind::kCredit
          ? toHex(entry.reference)
          : std::string(entry.reference.begin(), entry.reference.end()),
      entry.relatedTxn,
  };
}

}  // namespace

Json::Value logEntryJson(const purse::LogEntry& entry) {
  return logEntry(entry).toJson();
}

Result<void> registerPurseMethods(protocol::rpc::Dispatcher& dispatcher, PurseService& purse,
                                  ServerLog& log, AuthorityGuard& authority,
                                  const PayPolicy& policy) {
  Result<void> added = addMethod<wire::PurseBalance>(
      dispatcher, log, authority,
      [&purse](const wire::NoParams&,
               const protocol::rpc::CallContext&) -> Answer<wire::PurseBalance> {
        auto status = purse.balance();
        if (!status) return status.error();
        return wire::PurseBalance::Result{toHex(status->purseId), status->currency, status->balance,
                                          status->maxBalance, status->lastTxn};
      });
  if (added) {
    added = addMethod<wire::PurseHistory>(
        dispatcher, log, authority,
        [&purse](const wire::PurseHistory::Params& params,
                 const protocol::rpc::CallContext&) -> Answer<wire::PurseHistory> {
          auto entries = purse.history(params.fromTxn.value_or(1));
          if (!entries) return entries.error();
          wire::PurseHistory::Result result;
          for (const auto& entry : *entries) result.entries.push_back(logEntry(entry));
          return result;
        });
  }
  if (added) added = registerPolicedPay(dispatcher, purse, log, authority, policy);
  if (added) {
    added = addMethod<wire::PurseCancel>(
        dispatcher, log, authority,
        [&purse](const wire::PurseCancel::Params& params,
                 const protocol::rpc::CallContext&) -> Answer<wire::PurseCancel> {
          auto refunded = purse.cancel(params.cancellation);
          if (!refunded) return refunded.error();
          return wire::PurseCancel::Result{std::move(refunded->record), refunded->txn,
                                           refunded->refunded, refunded->balance};
        });
  }
  if (added) {
    added = addMethod<wire::PurseTopup>(
        dispatcher, log, authority,
        [&purse](const wire::PurseTopup::Params& params,
                 const protocol::rpc::CallContext&) -> Answer<wire::PurseTopup> {
          auto bank = shopUrl(params.bankUrl, "bank_url");
          if (!bank) return bank.error();
          if (bank->path.find('?') != std::string::npos) {
            return invalid("bank_url must not have a query");
          }
          auto done = purse.topup(*bank, params.account, params.amount);
          if (!done) return done.error();
          return wire::PurseTopup::Result{done->voucherIdHex, done->txn, done->balance,
                                          done->settled};
        });
  }
  return added;
}

}  // namespace hp::home_server
