// The home server's purse logic behind the purse.* RPC methods (docs/emoney.md, "Home server"):
// paying a shop the server verified, taking a shop's cancellation, topping up from a bank
// (voucher request -> CREDIT -> confirm, kept in PendingVoucherStore until the bank settled)
// and reconciling unfinished top-ups. Pure of I/O itself: the card, the HTTPS calls, the clock
// and the request IDs are injected, so the tests run it on the real applet with a test bank.
// Purse operations are serialized: a top-up's "read credit_seq, then CREDIT" must not
// interleave with another top-up.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/home_server/card/home_card.hpp"
#include "host/home_server/core/server_log.hpp"
#include "host/home_server/purse/pending_vouchers.hpp"
#include "host/home_server/sessions/relay.hpp"
#include "host/home_server/sessions/shop_url.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::home_server {

// One HTTPS request made with the user's card-signed client certificate.
using HttpsCall = std::function<Result<RelayResponse>(const RelayRequest& request)>;

struct PurseServiceParts {
  HomeCard* card = nullptr;
  PendingVoucherStore* pending = nullptr;
  ServerLog* log = nullptr;
  // Succeeds only when our own TLS handshake verified the shop's certificate for url.host (in
  // the daemon: SessionManager::open), so the card pays the shop the user is talking to.
  std::function<Result<void>(const ShopUrl& url)> verifyShop;
  HttpsCall https;                            // the bank's API
  std::function<uint64_t()> nowMs;            // wall clock for the log entries' time_ms
  std::function<std::string()> newRequestId;  // unique, unguessable: the bank's idempotency key
  std::function<void()> purseChanged;         // payment notices; may be empty
  // A payment made through a till: (purse ID hex, txn, terminal), before purseChanged, so the
  // notice names the till. May be empty.
  std::function<void(const std::string&, uint32_t, const std::string&)> paidVia;
  // A pending top-up the card has not taken after this long is dropped (logged): it no longer
  // blocks new top-ups. Longer than the bank's voucher expiry (15 min), so by the time a new
  // top-up asks for the same slot the bank voids the old voucher instead of refusing.
  uint64_t pendingExpiryMs = 20 * 60 * 1000;
};

template <class T>
using PurseAnswer = Result<T, protocol::rpc::RpcError>;

struct PaymentDone {
  Bytes record;  // the card's signed debit record, for the shop
  uint32_t txn = 0;
  uint64_t balance = 0;
};

struct RefundDone {
  Bytes record;  // the card's signed refund record, for the shop's cancel/confirm
  uint32_t txn = 0;
  uint64_t refunded = 0;
  uint64_t balance = 0;
};

struct TopupDone {
  std::string voucherIdHex;
  uint32_t txn = 0;
  uint64_t balance = 0;
  bool settled = false;  // false: the bank's confirmation is still owed (reconciliation retries)
};

class PurseService {
 public:
  explicit PurseService(PurseServiceParts parts);

  PurseAnswer<PurseStatus> balance();
  // Every log entry with txn >= fromTxn (the card keeps the last 64).
  PurseAnswer<std::vector<protocol::purse::LogEntry>> history(uint32_t fromTxn);
  // shopIdClaim: what the order says its shop is; refused unless it is the verified host.
  PurseAnswer<PaymentDone> pay(const ShopUrl& shop, const std::optional<std::string>& shopIdClaim,
                               const std::string& orderRef, const std::string& currency,
                               uint64_t amount, const std::string& viaTill = {});
  PurseAnswer<RefundDone> cancel(ByteView signedCancellation);
  PurseAnswer<TopupDone> topup(const ShopUrl& bank, const std::string& account, uint64_t amount);
  // Runs `inspect` with the card's status and its whole log (the last 64 entries) while the
  // purse is held: no DEBIT runs meanwhile, so what the log lacks was not paid by any request
  // that had finished before (how reservation_reconcile.hpp reads it).
  using LogInspector = std::function<void(const PurseStatus& status,
                                          const std::vector<protocol::purse::LogEntry>& log)>;
  PurseAnswer<bool> inspectLog(const LogInspector& inspect);
  // Finishes every pending top-up it can (re-ask, re-present, confirm); returns how many were
  // settled. Errors of single vouchers are logged and leave them pending.
  Result<size_t> reconcile();

 private:
  PurseAnswer<std::vector<protocol::purse::LogEntry>> readLogLocked(uint32_t fromTxn);
  // Drives one pending top-up as far as it goes; the row is gone when it returns success with
  // settled = true.
  PurseAnswer<TopupDone> advanceLocked(PendingVoucher pending, const PurseStatus& status);
  // Drops `pending` if it is older than pendingExpiryMs and the card has not taken its slot
  // (credit counter below it); true if dropped.
  bool expireLocked(const PendingVoucher& pending, const PurseStatus& status);
  // Kicks the notices for a record with a txn not seen before: an identical retry answers an
  // old record and moved nothing (after a restart the first retry kicks once, harmlessly: the
  // outbox queues each txn once).
  void changed(uint32_t txn);

  PurseServiceParts parts_;
  std::mutex mutex_;
  uint32_t highestTxn_ = 0;
};

}  // namespace hp::home_server
