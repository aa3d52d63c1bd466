// The authority model applied to the home server's requests (docs/control-channel.md,
// "Authority"): the AuthorityBook's grants, the home card's actual state and the per-terminal
// shop sessions kept in step. Every user request that needs the card's crypto state or a
// delegated session goes through admit() first; what ends a grant drops that terminal's sessions;
// when no grant is left the card goes back to standby, so its crypto state never outlives the
// server's authority.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "host/home_server/card/home_card.hpp"
#include "host/home_server/core/server_log.hpp"
#include "host/home_server/sessions/authority_book.hpp"
#include "host/home_server/sessions/session_manager.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::home_server {

// RPC error codes of the authority model (stable, docs/control-channel.md).
namespace authority_code {
inline constexpr const char* kPin1Required = "pin1_required";
inline constexpr const char* kPin2Required = "pin2_required";
inline constexpr const char* kAuthorityExpired = "authority_expired";
inline constexpr const char* kTerminalRevoked = "terminal_revoked";
}  // namespace authority_code

enum class CardCheck { kEveryCall, kRecent };

class AuthorityGuard {
 public:
  // All must outlive the guard.
  AuthorityGuard(AuthorityBook& book, HomeCard& card, SessionManager& sessions, ServerLog& log);

  // Before a user request of `terminal` that needs the crypto state: its grant must be live (its
  // idle clock restarts) and the card must still be in the crypto state (one GET DATA: a card
  // restarted, finished or timed out behind our back ends every grant at once).
  // `check`: kRecent lets a card state read younger than AuthorityLimits::cardCheckMs vouch for
  // the card (session.open: a cached visit then costs no card APDU); kEveryCall reads it each
  // time (the purse and the relay send card commands anyway, and want the precise error).
  Result<void, protocol::rpc::RpcError> admit(const std::string& terminal,
                                              CardCheck check = CardCheck::kEveryCall);
  // After such a request failed: a card refusal for want of PIN2 (SW 6982, from the signer or
  // the purse) means the card left the crypto state: every grant ends, and the answer becomes
  // pin2_required whatever layer reported it.
  protocol::rpc::RpcError afterFailure(protocol::rpc::RpcError error);

  void granted(const std::string& terminal);
  // card.pin2 of `terminal`: `verify` (VERIFY PIN2 on the card) and the grant happen under the
  // lock the return to standby takes, so a sweep cannot put the card back to standby between a
  // PIN2 just verified and its grant. A wrong or blocked PIN2 ends every grant.
  Result<PinOutcome> presentPin2(const std::string& terminal,
                                 const std::function<Result<PinOutcome>()>& verify);
  // A wrong PIN2 (the card drops the crypto state) or a blocked one.
  void pin2Failed(const std::string& why);
  // `terminal finish`: that terminal's grant ends; the card goes to standby if none is left.
  void finished(const std::string& terminal);
  void revoked(const std::string& terminal);
  void registered(const std::string& terminal);
  // The card's link was lost or reopened (ReconnectingTransport's events): a new link means a
  // card that lost its PINs. Sends nothing to the card (it runs under the link's lock).
  void cardReset(const std::string& why);
  // Applies the limits (a periodic task calls this): lapsed grants lose their sessions, and
  // with none left the card goes to standby.
  void sweep();

  AuthorityBook& book() { return book_; }

 private:
  void endEverything(const std::string& why);
  void standbyIfNoneLive();

  AuthorityBook& book_;
  HomeCard& card_;
  SessionManager& sessions_;
  ServerLog& log_;
  std::mutex cardMutex_;
  bool cardMayBeCrypto_ = false;  // under cardMutex_: a grant was given since the last finish
  // When the card was last seen in the crypto state (book clock, ms; 0: not since the last
  // event that may have changed it). See AuthorityLimits::cardCheckMs.
  std::atomic<uint64_t> cardConfirmedAtMs_{0};
};

}  // namespace hp::home_server
