// "Certificate checked at", per shop (host:port): how a payment the card signs without a
// handshake of its own (a PIN-only payment, docs/emoney.md "PIN-only payments") knows that the
// shop's chain and host name verified, without a TLS handshake to the shop on every payment.
// Every handshake with a shop (sessions, relay, the purse's own check) passes observing(): one
// that verified the shop's certificate records its leaf's SHA-256 and the time; one that saw a
// certificate that did not verify, or failed before verifying any, drops the shop's entry; a
// verified leaf other than the one recorded is logged and replaces it (that handshake checked it
// in full). An entry counts for `lifetimeSeconds` (the home server's session lifetime cap, 300 s:
// no longer than a cached session, which the PIN2 path already trusts without a new handshake).
// Why a cached check protects a payment as well as a fresh one: docs/emoney.md. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "host/home_server/core/server_log.hpp"
#include "host/home_server/sessions/session_manager.hpp"
#include "host/home_server/sessions/shop_url.hpp"
#include "host/tls_proxy/delegated_handshake.hpp"

namespace hp::home_server {

class ShopCheck {
 public:
  ShopCheck(uint32_t lifetimeSeconds, tls_proxy::UnixClock now, ServerLog& log,
            size_t maxShops = 1024);

  // `inner` with what it learns of each shop's certificate fed to this cache.
  SessionManager::Handshake observing(SessionManager::Handshake inner);

  // The shop's certificate verified less than the lifetime ago.
  bool fresh(const std::string& shopKey);
  // The recorded leaf (tests, the bench); nullopt when none is fresh.
  std::optional<tls_proxy::CertificateSha256> freshLeaf(const std::string& shopKey);
  void verified(const std::string& shopKey, const tls_proxy::CertificateSha256& leaf);
  void forget(const std::string& shopKey, const std::string& why);

  // The purse's shop check before a DEBIT: the cache; else the owner's session (cached, or a
  // full handshake the card signs, which needs PIN2); else, when that handshake did not verify
  // the shop before failing, `checkCertificate` (a handshake that stops at the client signature).
  using Check = std::function<Result<void>(const ShopUrl&)>;
  Result<void> verify(const ShopUrl& shop, const Check& openSession, const Check& checkCertificate);

  size_t handshakesSaved() const;

  // A handshake with the shop (through `handshake`, e.g. an observing() one) that verifies its
  // chain and host name and stops before the user's key would sign (CertificateVerify): true if
  // it got that far, i.e. the shop checked out. The card signs nothing.
  static bool checkWithoutSignature(const SessionManager::Handshake& handshake,
                                    const tls_proxy::DelegatedHandshakeRequest& request,
                                    tls_proxy::ClientKeySigner& user);

 private:
  struct Entry {
    tls_proxy::CertificateSha256 leaf{};
    int64_t checkedUnix = 0;
  };
  std::optional<Entry> freshEntry(const std::string& shopKey);  // under mutex_

  uint32_t lifetimeSeconds_;
  tls_proxy::UnixClock now_;
  ServerLog& log_;
  size_t maxShops_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  size_t hits_ = 0;
};

}  // namespace hp::home_server
