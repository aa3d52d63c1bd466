#include "host/home_server/sessions/authority_book.hpp"

namespace hp::home_server {

const char* authorityStateName(AuthorityState state) {
  switch (state) {
    case AuthorityState::kNone:
      return "none";
    case AuthorityState::kLive:
      return "live";
    case AuthorityState::kExpiredIdle:
      return "expired (idle)";
    case AuthorityState::kExpiredLifetime:
      return "expired (lifetime)";
    case AuthorityState::kRevoked:
      return "revoked";
  }
  return "unknown";
}

AuthorityBook::AuthorityBook(AuthorityLimits limits, base::Clock& clock, Log log)
    : limits_(limits), clock_(clock), log_(std::move(log)) {}

void AuthorityBook::setState(const std::string& terminal, Grant& grant, AuthorityState next,
                             const std::string& why) {
  if (grant.state == next && next != AuthorityState::kLive) return;
  const AuthorityState before = grant.state;
  grant.state = next;
  if (log_) {
    log_("authority " + terminal, authorityStateName(before),
         std::string(authorityStateName(next)) + (why.empty() ? "" : " (" + why + ")"));
  }
}

bool AuthorityBook::lapse(const std::string& terminal, Grant& grant, uint64_t now) {
  if (grant.state != AuthorityState::kLive) return false;
  // Lifetime first: a grant past both limits says the one no use could have prevented.
  if (now - grant.grantedMs >= limits_.lifetimeMs) {
    setState(terminal, grant, AuthorityState::kExpiredLifetime,
             std::to_string(limits_.lifetimeMs / 1000) + " s since PIN2");
    return true;
  }
  if (now - grant.lastUseMs >= limits_.idleMs) {
    setState(terminal, grant, AuthorityState::kExpiredIdle,
             std::to_string(limits_.idleMs / 1000) + " s without a request");
    return true;
  }
  return false;
}

void AuthorityBook::grant(const std::string& terminal) {
  std::lock_guard lock(mutex_);
  Grant& grant = grants_[terminal];
  // A revoked terminal has no channel to send PIN2 over; if one races in, it gets nothing.
  if (grant.state == AuthorityState::kRevoked) return;
  const uint64_t now = clock_.nowMs();
  grant.grantedMs = now;
  grant.lastUseMs = now;
  setState(terminal, grant, AuthorityState::kLive, "PIN2");
}

AuthorityState AuthorityBook::use(const std::string& terminal) {
  std::lock_guard lock(mutex_);
  auto found = grants_.find(terminal);
  if (found == grants_.end()) return AuthorityState::kNone;
  const uint64_t now = clock_.nowMs();
  lapse(terminal, found->second, now);
  if (found->second.state == AuthorityState::kLive) found->second.lastUseMs = now;
  return found->second.state;
}

AuthorityState AuthorityBook::peek(const std::string& terminal) {
  std::lock_guard lock(mutex_);
  auto found = grants_.find(terminal);
  if (found == grants_.end()) return AuthorityState::kNone;
  lapse(terminal, found->second, clock_.nowMs());
  return found->second.state;
}

bool AuthorityBook::end(const std::string& terminal, const std::string& why) {
  std::lock_guard lock(mutex_);
  auto found = grants_.find(terminal);
  if (found == grants_.end() || found->second.state == AuthorityState::kRevoked) return false;
  const bool wasLive = found->second.state == AuthorityState::kLive;
  setState(terminal, found->second, AuthorityState::kNone, why);
  return wasLive;
}

std::vector<std::string> AuthorityBook::endAll(const std::string& why) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ended;
  for (auto& [terminal, grant] : grants_) {
    if (grant.state == AuthorityState::kRevoked || grant.state == AuthorityState::kNone) continue;
    if (grant.state == AuthorityState::kLive) ended.push_back(terminal);
    setState(terminal, grant, AuthorityState::kNone, why);
  }
  return ended;
}

void AuthorityBook::revoke(const std::string& terminal) {
  std::lock_guard lock(mutex_);
  setState(terminal, grants_[terminal], AuthorityState::kRevoked, "terminal revoked");
}

void AuthorityBook::registered(const std::string& terminal) {
  std::lock_guard lock(mutex_);
  auto found = grants_.find(terminal);
  if (found == grants_.end()) return;
  // Registered (again): no grant carries over, PIN2 is asked anew.
  setState(terminal, found->second, AuthorityState::kNone, "registered");
}

std::vector<std::string> AuthorityBook::expire() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> lapsed;
  const uint64_t now = clock_.nowMs();
  for (auto& [terminal, grant] : grants_) {
    if (lapse(terminal, grant, now)) lapsed.push_back(terminal);
  }
  return lapsed;
}

bool AuthorityBook::anyLive() {
  std::lock_guard lock(mutex_);
  const uint64_t now = clock_.nowMs();
  bool live = false;
  for (auto& [terminal, grant] : grants_) {
    lapse(terminal, grant, now);
    live = live || grant.state == AuthorityState::kLive;
  }
  return live;
}

}  // namespace hp::home_server
