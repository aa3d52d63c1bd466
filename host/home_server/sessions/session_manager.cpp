#include "host/home_server/sessions/session_manager.hpp"

namespace hp::home_server {

SessionManager::SessionManager(SessionManagerConfig config, tls_proxy::ClientKeySigner& signer,
                               ServerLog& log, Handshake handshake)
    : config_(std::move(config)),
      signer_(signer),
      log_(log),
      handshake_(std::move(handshake)),
      warm_(log, config_.warm) {
  if (!handshake_) handshake_ = tls_proxy::performDelegatedHandshake;
}

bool SessionManager::usable(const Cached& cached, int64_t now) const {
  return cached.expiresUnix - static_cast<int64_t>(config_.minRemainingSeconds) > now;
}

std::shared_ptr<SessionManager::Slot> SessionManager::slotFor(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto& slot = slots_[key];
  if (!slot) slot = std::make_shared<Slot>();
  return slot;
}

void SessionManager::evictIfFull() {
  // Called with mutex_ held. Expired sessions go first, then the one closest to expiry.
  const int64_t now = config_.now();
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->second->session && !usable(*it->second->session, now)) {
      log_.transition("session " + it->first, "cached", "expired");
      it = slots_.erase(it);
    } else {
      ++it;
    }
  }
  while (slots_.size() > config_.maxSessions) {
    auto victim = slots_.end();
    for (auto it = slots_.begin(); it != slots_.end(); ++it) {
      if (!it->second->session) continue;  // a handshake in flight: not ours to evict
      if (victim == slots_.end() ||
          it->second->session->expiresUnix < victim->second->session->expiresUnix) {
        victim = it;
      }
    }
    if (victim == slots_.end()) break;
    log_.transition("session " + victim->first, "cached", "evicted (cache full)");
    slots_.erase(victim);
  }
}

std::string SessionManager::slotKey(const std::string& owner, const std::string& shopKey) {
  // A space cannot occur in a terminal ID or a shop key.
  return owner + " " + shopKey;
}

Result<OpenedSession> SessionManager::open(const std::string& owner, const ShopUrl& shop) {
  const std::string shopKey = shop.shopKey();
  const std::string key = slotKey(owner, shopKey);
  const std::shared_ptr<Slot> slot = slotFor(key);
  // Opens of one shop queue here, so the second finds the first's session cached.
  std::lock_guard opening(slot->opening);
  {
    std::lock_guard lock(mutex_);
    if (slot->session) {
      const int64_t now = config_.now();
      if (usable(*slot->session, now)) {
        const Cached& cached = *slot->session;
        return OpenedSession{cached.encodedBlob, cached.ciphersuite, cached.expiresUnix, true, now};
      }
      slot->session.reset();
      log_.transition("session " + key, "cached", "expired");
    }
  }

  bool offerTickets = true;
  uint64_t epoch = 0;
  {
    std::lock_guard lock(mutex_);
    epoch = epoch_;
    offerTickets = !config_.preferSessionIds || ticketShops_.count(shopKey) > 0;
  }
  auto delegated = handshake(shop, offerTickets);
  if (delegated && !offerTickets && delegated->blob.sessionId.empty()) {
    // The shop gave no session id (no session cache): it can only resume with a ticket. One more
    // handshake now, and tickets for this shop from here on.
    log_.info("session " + key + ": no session id from the shop; asking for a ticket");
    {
      std::lock_guard lock(mutex_);
      rememberTicketShop(shopKey);
    }
    delegated = handshake(shop, true);
  }
  if (!delegated) {
    log_.warn("session " + key + ": handshake failed: " + delegated.error().message);
    std::lock_guard lock(mutex_);
    // Leave no empty slot behind for a shop we could not reach.
    auto found = slots_.find(key);
    if (found != slots_.end() && found->second == slot && !slot->session) slots_.erase(found);
    return delegated.error();
  }
  auto encoded = tls_proxy::encodeSessionBlob(delegated->blob);
  if (!encoded) return encoded.error();
  Cached cached{encoded.value(), delegated->ciphersuiteName, delegated->blob.expiresUnix,
                delegated->blob.hasTicket()};
  OpenedSession opened{cached.encodedBlob, cached.ciphersuite, cached.expiresUnix, false,
                       config_.now()};
  {
    std::lock_guard lock(mutex_);
    if (epoch != epoch_) {
      // An authority ended during the handshake (dropOwner/dropAll): the caller was admitted
      // before and gets this one, but it is not kept for anyone.
      return opened;
    }
    slot->session = std::move(cached);
    slots_[key] = slot;  // re-insert if a drop removed it meanwhile
    evictIfFull();
  }
  log_.transition("session " + key, "none",
                  "cached (" + opened.ciphersuite + ", " +
                      std::to_string(opened.expiresUnix - config_.now()) + " s)");
  return opened;
}

Result<tls_proxy::DelegatedSession> SessionManager::handshake(const ShopUrl& shop,
                                                              bool offerTickets) {
  tls_proxy::DelegatedHandshakeRequest request;
  request.host = shop.host;
  request.port = shop.port;
  request.caFile = config_.caFile;
  request.connectAddress = config_.connectAddress;
  request.offerTickets = offerTickets;
  request.maxLifetimeSeconds = config_.lifetimeCapSeconds;
  request.readTimeoutMs = config_.readTimeoutMs;
  request.now = config_.now;
  auto delegated = handshake_(request, signer_);
  std::lock_guard lock(mutex_);
  ++handshakes_;
  return delegated;
}

void SessionManager::rememberTicketShop(const std::string& key) {
  // Bounded: forgetting a shop only costs it one more session-id attempt later.
  if (ticketShops_.size() >= config_.maxTicketShops) ticketShops_.erase(ticketShops_.begin());
  ticketShops_.insert(key);
}

bool SessionManager::usesTickets(const std::string& shopKey) const {
  std::lock_guard lock(mutex_);
  return !config_.preferSessionIds || ticketShops_.count(shopKey) > 0;
}

bool SessionManager::drop(const std::string& owner, const std::string& shopKey,
                          bool refusedByShop) {
  std::lock_guard lock(mutex_);
  const auto found = slots_.find(slotKey(owner, shopKey));
  if (found == slots_.end() || !found->second->session) return false;
  // A terminal drops a session the shop would not resume. A session id that does not resume
  // means (most likely) a shop without a session cache: ask it for tickets next time.
  if (refusedByShop && config_.preferSessionIds && !found->second->session->ticket) {
    rememberTicketShop(shopKey);
  }
  found->second->session.reset();
  log_.transition("session " + found->first, "cached", "dropped");
  slots_.erase(found);
  return true;
}

size_t SessionManager::dropOwner(const std::string& owner) {
  warm_.dropOwner(owner);
  std::lock_guard lock(mutex_);
  ++epoch_;
  const std::string prefix = owner + " ";
  size_t dropped = 0;
  for (auto it = slots_.lower_bound(prefix);
       it != slots_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    // A handshake in flight stores into its slot object, which is gone from the map: the
    // session it makes is handed to the caller that asked (admitted before) and never cached.
    if (it->second->session) ++dropped;
    it->second->session.reset();
    it = slots_.erase(it);
  }
  if (dropped > 0) log_.transition("sessions of " + owner, "cached", "dropped");
  return dropped;
}

size_t SessionManager::dropAll() {
  warm_.dropAll();
  std::lock_guard lock(mutex_);
  ++epoch_;
  size_t dropped = 0;
  for (auto& [key, slot] : slots_) {
    if (slot->session) ++dropped;
    slot->session.reset();
  }
  slots_.clear();
  return dropped;
}

std::vector<SessionInfo> SessionManager::list(const std::string& owner) {
  return listWhere(&owner);
}

std::vector<SessionInfo> SessionManager::listAll() {
  return listWhere(nullptr);
}

std::vector<SessionInfo> SessionManager::listWhere(const std::string* owner) {
  std::lock_guard lock(mutex_);
  const int64_t now = config_.now();
  std::vector<SessionInfo> sessions;
  for (auto it = slots_.begin(); it != slots_.end();) {
    const auto& session = it->second->session;
    if (session && !usable(*session, now)) {
      log_.transition("session " + it->first, "cached", "expired");
      it = slots_.erase(it);
      continue;
    }
    const size_t space = it->first.find(' ');
    const std::string slotOwner = it->first.substr(0, space);
    if (session && (owner == nullptr || *owner == slotOwner)) {
      sessions.push_back({it->first.substr(space + 1), session->ciphersuite, session->expiresUnix,
                          session->ticket});
    }
    ++it;
  }
  return sessions;
}

size_t SessionManager::handshakeCount() const {
  std::lock_guard lock(mutex_);
  return handshakes_;
}

}  // namespace hp::home_server
