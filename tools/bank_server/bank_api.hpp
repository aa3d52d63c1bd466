// The bank's HTTP API (docs/emoney.md, "Bank server"): account balances for their owner,
// top-up vouchers (idempotent by request_id, one per card slot, never more than the available
// funds) and their confirmation by the card's credit record, which settles and charges once.
// One request at a time (a mutex), as the shop.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "base/rng.hpp"
#include "tools/bank_server/bank_store.hpp"
#include "tools/merchant/api_error.hpp"
#include "tools/merchant/peer_identity.hpp"
#include "tools/merchant/server_http.hpp"
#include "tools/merchant/signing_key.hpp"

namespace hp::bank_server {

struct BankParts {
  std::string bankId;
  BankStore* store = nullptr;
  merchant::SigningKey* signingKey = nullptr;
  base::Rng* rng = nullptr;  // voucher IDs; used under the API's mutex
  std::function<int64_t()> nowMs;
  // After this long unconfirmed, an issued voucher's slot may be reused: a new top-up for the
  // same purse and credit_seq voids it and is issued a new voucher for that slot. Safe because
  // the card takes one voucher per credit_seq: whichever of the two it took is the one settled
  // when confirmed (a void voucher still settles, voiding its replacement).
  int64_t voucherExpiryMs = 15 * 60 * 1000;
  std::function<void(std::string_view)> log;  // storage failures (never secrets)
};

class BankApi {
 public:
  explicit BankApi(BankParts parts) : parts_(std::move(parts)) {}
  merchant::HttpResponse handle(const merchant::HttpRequest& request,
                                const merchant::PeerIdentity& peer);

 private:
  merchant::HttpResponse showAccount(const std::string& id, const merchant::PeerIdentity& peer);
  merchant::HttpResponse topUp(const merchant::HttpRequest& request,
                               const merchant::PeerIdentity& peer);
  merchant::HttpResponse confirm(const std::string& voucherId, const merchant::HttpRequest& request,
                                 const merchant::PeerIdentity& peer);
  merchant::HttpResponse storageFailure(const Error& error);

  BankParts parts_;
  std::mutex mutex_;
};

}  // namespace hp::bank_server
