// Delegated TLS sessions per terminal and shop (seed Fig 16): the home server keeps, for each
// owner (a terminal ID, or kRelayOwner for the relay and the purse's own requests) and shop
// (host:port), the current SessionBlob until its lifetime ends. A second session.open of the same
// terminal for the same shop gets the cached blob: no TLS handshake, no card signature. Another
// terminal never gets it: each has its own handshake and master secret, so no holder can decrypt
// another's traffic (docs/control-channel.md, "Authority"). Expired and dropped sessions are
// discarded. Thread-safe; concurrent opens of one shop wait for a single
// handshake instead of each costing the card a signature. Bounded: when full, the session
// closest to expiry goes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/home_server/core/server_log.hpp"
#include "host/home_server/sessions/shop_url.hpp"
#include "host/home_server/sessions/warm_pool.hpp"
#include "host/tls_proxy/delegated_handshake.hpp"

namespace hp::home_server {

struct SessionManagerConfig {
  std::string caFile;          // trust store for the shops' chains
  std::string connectAddress;  // tests: "127.0.0.1" instead of resolving the host
  uint32_t lifetimeCapSeconds = 300;
  // A blob with less left than this is useless to a terminal (it must still resume), so it
  // counts as expired.
  uint32_t minRemainingSeconds = 5;
  // Sessions are per (terminal, shop) since the authority model, so the cache holds one per
  // terminal and usual shop: 64 (enough when it was one per shop) evicted live sessions under
  // 100 terminals. A session is a few hundred bytes (a ticket one up to ~2 KB).
  size_t maxSessions = 4096;
  // Ask shops for a session id first (no RFC 5077 ticket offered): a session-id resumption
  // costs the terminal ~100 bytes, a ticket one about twice the ticket's size (the hand-out
  // carries it, the ClientHello sends it again), and tickets with a client certificate inside
  // run to a kilobyte. A shop that will not resume a session id (no session cache) is asked for
  // tickets from then on (remembered, up to maxTicketShops shops).
  bool preferSessionIds = true;
  size_t maxTicketShops = 1024;
  uint32_t readTimeoutMs = 10'000;
  tls_proxy::UnixClock now = tls_proxy::systemUnixNow;
  // The relay's warm connections (warm_pool.hpp): kept here so that whatever ends an owner's
  // sessions (dropOwner, dropAll) closes its connections too.
  WarmPoolConfig warm;
};

struct OpenedSession {
  SecretBytes encodedBlob;  // holds the master secret
  std::string ciphersuite;
  int64_t expiresUnix = 0;
  bool cached = false;
  int64_t nowUnix = 0;  // the manager's clock when it answered (for the hand-out's relative times)
};

struct SessionInfo {
  std::string shop;
  std::string ciphersuite;
  int64_t expiresUnix = 0;
  bool ticket = false;
};

// The relay's (and the purse's own HTTPS) sessions: never handed out; '@' is not allowed in a
// terminal ID, so no terminal can be this owner.
inline constexpr const char* kRelayOwner = "@relay";

class SessionManager {
 public:
  using Handshake = std::function<Result<tls_proxy::DelegatedSession>(
      const tls_proxy::DelegatedHandshakeRequest&, tls_proxy::ClientKeySigner&)>;

  // The signer (the home card) must outlive the manager. `handshake` defaults to
  // tls::performDelegatedHandshake.
  SessionManager(SessionManagerConfig config, tls_proxy::ClientKeySigner& signer, ServerLog& log,
                 Handshake handshake = nullptr);

  // The session of `owner` with the shop (the caller checked the owner's authority).
  Result<OpenedSession> open(const std::string& owner, const ShopUrl& shop);
  Result<OpenedSession> open(const ShopUrl& shop) { return open(kRelayOwner, shop); }
  // True if a session was cached for the shop. `refusedByShop`: the terminal dropped it because
  // the shop would not resume it (a session-id shop is then asked for tickets).
  bool drop(const std::string& owner, const std::string& shopKey, bool refusedByShop = false);
  bool drop(const std::string& shopKey, bool refusedByShop = false) {
    return drop(kRelayOwner, shopKey, refusedByShop);
  }
  // Every session of one owner / of everyone (authority ended); how many went. The owner's warm
  // relay connections are closed as well.
  size_t dropOwner(const std::string& owner);
  size_t dropAll();
  std::vector<SessionInfo> list(const std::string& owner);
  std::vector<SessionInfo> listAll();
  std::vector<SessionInfo> list() { return listAll(); }
  WarmPool& warm() { return warm_; }
  // Full handshakes made so far (each one cost a card signature).
  size_t handshakeCount() const;
  // True once the shop is asked for tickets (see preferSessionIds).
  bool usesTickets(const std::string& shopKey) const;

 private:
  struct Cached {
    SecretBytes encodedBlob;
    std::string ciphersuite;
    int64_t expiresUnix = 0;
    bool ticket = false;
  };
  // One per shop; `opening` serializes handshakes to that shop.
  struct Slot {
    std::mutex opening;
    std::optional<Cached> session;  // guarded by SessionManager::mutex_
  };

  bool usable(const Cached& cached, int64_t now) const;
  static std::string slotKey(const std::string& owner, const std::string& shopKey);
  std::vector<SessionInfo> listWhere(const std::string* owner);
  std::shared_ptr<Slot> slotFor(const std::string& key);
  void evictIfFull();
  void rememberTicketShop(const std::string& key);  // under mutex_
  Result<tls_proxy::DelegatedSession> handshake(const ShopUrl& shop, bool offerTickets);

  SessionManagerConfig config_;
  tls_proxy::ClientKeySigner& signer_;
  ServerLog& log_;
  Handshake handshake_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;  // slotKey(owner, shop)
  size_t handshakes_ = 0;
  uint64_t epoch_ = 0;  // bumped by dropOwner/dropAll: a handshake across one is not cached
  std::set<std::string> ticketShops_;  // shops that would not resume a session id
  WarmPool warm_;
};

}  // namespace hp::home_server
