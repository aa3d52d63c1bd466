// The shop's HTTP API (docs/emoney.md, "Shop server"): catalogue, orders bound to the client
// certificate that created them, payment by a card-signed debit record, cancellation. One
// request at a time (a mutex): the ledger's consistency never depends on SQLite locking alone,
// and a shop's request rate is small.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "base/rng.hpp"
#include "tools/merchant/api_error.hpp"
#include "tools/merchant/peer_identity.hpp"
#include "tools/merchant/server_http.hpp"
#include "tools/merchant/signing_key.hpp"
#include "tools/shop_server/order_store.hpp"
#include "tools/shop_server/shop_config.hpp"

namespace hp::shop_server {

struct ShopParts {
  std::string shopId;
  Catalogue catalogue;
  OrderStore* orders = nullptr;
  merchant::SigningKey* signingKey = nullptr;
  base::Rng* rng = nullptr;  // order references; used under the API's mutex
  std::function<int64_t()> nowMs;
  std::function<void(std::string_view)> log;  // storage failures (never secrets)
  std::string userCaFile;  // the CA of user certificates: a till's payer must chain to it
};

class ShopApi {
 public:
  explicit ShopApi(ShopParts parts) : parts_(std::move(parts)) {}
  merchant::HttpResponse handle(const merchant::HttpRequest& request,
                                const merchant::PeerIdentity& peer);

 private:
  merchant::HttpResponse catalogue() const;
  merchant::HttpResponse createOrder(const merchant::HttpRequest& request,
                                     const merchant::PeerIdentity& peer);
  merchant::HttpResponse showOrder(const std::string& ref, const merchant::PeerIdentity& peer);
  merchant::HttpResponse pay(const std::string& ref, const merchant::HttpRequest& request,
                             const merchant::PeerIdentity& peer);
  merchant::HttpResponse cancel(const std::string& ref, const merchant::PeerIdentity& peer);
  merchant::HttpResponse confirmCancel(const std::string& ref, const merchant::HttpRequest& request,
                                       const merchant::PeerIdentity& peer);
  merchant::HttpResponse storageFailure(const Error& error);
  // The caller's order, or the 404 that also hides other clients' orders.
  Result<Order, merchant::ApiError> ownOrder(const std::string& ref,
                                             const merchant::PeerIdentity& peer);

  ShopParts parts_;
  std::mutex mutex_;
};

}  // namespace hp::shop_server
