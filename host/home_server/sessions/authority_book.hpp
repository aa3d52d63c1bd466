// Who may use the home card's crypto state, and for how long (docs/control-channel.md,
// "Authority"). The home card is card-wide: once PIN2 is verified it signs for anyone who can
// send it a command. The home server is what tells terminals apart, so it keeps, per terminal,
// the grant its PIN2 gave: an absolute lifetime and an idle limit, counted on that terminal's
// own user requests only (background work never calls use()).
//
// Pure: the clock and the log are injected. Thread-safe. Per terminal a state machine
//   none --grant--> live --use--> live
//   live --(idle or lifetime passed)--> expired      (authority_expired, once asked)
//   live --end (finish, PIN2 block, card restart...)--> none   (pin2_required)
//   any  --revoke--> revoked                          (terminal_revoked until registered again)
// and setState() logs each change as "authority T: old -> new (why)".
//
// Bound to the terminal, not to the channel that carried PIN2: every `terminal` command opens a
// new (resumed) channel, so a grant that died with its channel would make `terminal pin2` useless
// for the next command. A revoked terminal loses its channels and its grant together.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.hpp"

namespace hp::home_server {

struct AuthorityLimits {
  uint64_t idleMs = 10 * 60 * 1000;      // since the terminal's last user request
  uint64_t lifetimeMs = 60 * 60 * 1000;  // since PIN2, whatever the use
  // How long a read of the home card's state (GET DATA) vouches for it: admit() reads it again
  // only after this, so a cached visit right after another costs no card APDU, and a card that
  // restarted unseen hands out cached sessions for at most this long (0: read every time).
  uint64_t cardCheckMs = 1000;
};

enum class AuthorityState { kNone, kLive, kExpiredIdle, kExpiredLifetime, kRevoked };
const char* authorityStateName(AuthorityState state);

class AuthorityBook {
 public:
  using Log =
      std::function<void(const std::string& what, const std::string& from, const std::string& to)>;
  // `clock` must outlive the book; `log` may be empty.
  AuthorityBook(AuthorityLimits limits, base::Clock& clock, Log log = nullptr);

  const AuthorityLimits& limits() const { return limits_; }
  uint64_t nowMs() const { return clock_.nowMs(); }

  // PIN2 was accepted over a channel of `terminal`: a fresh grant (lifetime starts again).
  void grant(const std::string& terminal);
  // A user request of `terminal` that needs the crypto state: kLive (and its idle clock
  // restarts) or why not. A lapse found here is recorded, so the caller can end what it held.
  AuthorityState use(const std::string& terminal);
  // The state without touching it (a lapse is applied first).
  AuthorityState peek(const std::string& terminal);
  // `terminal finish`: that terminal's grant ends. True if it was live.
  bool end(const std::string& terminal, const std::string& why);
  // The card left the crypto state (PIN2 blocked or wrong, card restarted or finished behind our
  // back): every live grant ends. Returns the terminals whose grant ended.
  std::vector<std::string> endAll(const std::string& why);
  // Revoked: its grant ends and stays refused (terminal_revoked) until registered() again.
  void revoke(const std::string& terminal);
  void registered(const std::string& terminal);
  // Applies the limits to every grant; returns the terminals whose grant lapsed now.
  std::vector<std::string> expire();
  bool anyLive();

 private:
  struct Grant {
    AuthorityState state = AuthorityState::kNone;
    uint64_t grantedMs = 0;
    uint64_t lastUseMs = 0;
  };
  // Under mutex_: a live grant past a limit becomes expired; true if it just lapsed.
  bool lapse(const std::string& terminal, Grant& grant, uint64_t now);
  void setState(const std::string& terminal, Grant& grant, AuthorityState next,
                const std::string& why);

  const AuthorityLimits limits_;
  base::Clock& clock_;
  Log log_;
  std::mutex mutex_;
  std::map<std::string, Grant> grants_;
};

}  // namespace hp::home_server
