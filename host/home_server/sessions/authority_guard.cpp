#include "host/home_server/sessions/authority_guard.hpp"

namespace hp::home_server {

namespace {

protocol::rpc::RpcError pin2Required(const std::string& why) {
  return protocol::rpc::makeRpcError(authority_code::kPin2Required,
                                     why + "; give PIN2 from this terminal: terminal pin2");
}

}  // namespace

AuthorityGuard::AuthorityGuard(AuthorityBook& book, HomeCard& card, SessionManager& sessions,
                               ServerLog& log)
    : book_(book), card_(card), sessions_(sessions), log_(log) {}

Result<void, protocol::rpc::RpcError> AuthorityGuard::admit(const std::string& terminal,
                                                            CardCheck check) {
  const AuthorityState state = book_.use(terminal);
  switch (state) {
    case AuthorityState::kRevoked:
      return protocol::rpc::makeRpcError(
          authority_code::kTerminalRevoked,
          "this terminal was revoked at the home server; it must be "
          "registered again (home_server --admin SOCKET register-terminal)");
    case AuthorityState::kExpiredIdle:
    case AuthorityState::kExpiredLifetime: {
      const bool idle = state == AuthorityState::kExpiredIdle;
      const uint64_t seconds = (idle ? book_.limits().idleMs : book_.limits().lifetimeMs) / 1000;
      sessions_.dropOwner(terminal);
      standbyIfNoneLive();
      Json::Value data;
      data["limit"] = idle ? "idle" : "lifetime";
      data["seconds"] = Json::UInt64(seconds);
      return protocol::rpc::makeRpcError(
          authority_code::kAuthorityExpired,
          std::string("PIN2 of this terminal lapsed: ") +
              (idle ? std::to_string(seconds) + " s without a request"
                    : std::to_string(seconds) + " s since it was given") +
              "; give it again: terminal pin2",
          data);
    }
    case AuthorityState::kNone:
      return pin2Required("this terminal has not given PIN2 (or it ended)");
    case AuthorityState::kLive:
      break;
  }
  // The grant is ours; is the card still where it put it? (Restart, card.finish by another
  // program, the card's own idle limit.) A read: it does not extend the card's crypto state.
  // A read younger than cardCheckMs still vouches for it; every event we see that may change the
  // card (finish, a PIN2 failure, a link event, a card refusal) clears it at once.
  const uint64_t now = book_.nowMs();
  const uint64_t confirmed = cardConfirmedAtMs_.load();
  if (check == CardCheck::kRecent && confirmed != 0 && now >= confirmed &&
      now - confirmed < book_.limits().cardCheckMs) {
    return {};
  }
  auto status = card_.status();
  if (!status || status->security != "crypto") {
    const std::string seen = status ? status->security : "unreachable: " + status.error().message;
    endEverything("home card " + seen);
    if (status && status->security == "inhibited") {
      return protocol::rpc::makeRpcError(
          authority_code::kPin1Required,
          "the home card lost its PINs (restarted?): PIN1 at the home "
          "server (home_server --admin SOCKET pin1), then terminal pin2");
    }
    return pin2Required("the home card is no longer unlocked for signing (" + seen + ")");
  }
  cardConfirmedAtMs_.store(now);
  return {};
}

protocol::rpc::RpcError AuthorityGuard::afterFailure(protocol::rpc::RpcError error) {
  const bool cardRefused = error.code == authority_code::kPin2Required ||
                           error.message.find("(SW 6982)") != std::string::npos;
  if (!cardRefused) return error;
  endEverything("the home card refused for want of PIN2");
  return pin2Required("the home card is no longer unlocked for signing");
}

void AuthorityGuard::granted(const std::string& terminal) {
  {
    std::lock_guard lock(cardMutex_);
    cardMayBeCrypto_ = true;
  }
  book_.grant(terminal);
}

Result<PinOutcome> AuthorityGuard::presentPin2(const std::string& terminal,
                                               const std::function<Result<PinOutcome>()>& verify) {
  Result<PinOutcome> outcome = makeError("");
  {
    std::lock_guard lock(cardMutex_);
    outcome = verify();
    if (outcome && outcome->kind == PinOutcome::Kind::kAccepted) {
      cardMayBeCrypto_ = true;
      book_.grant(terminal);
      return outcome;
    }
  }
  if (outcome) {
    // The card dropped its crypto state on the wrong PIN2: nobody's grant stands on it.
    pin2Failed(outcome->kind == PinOutcome::Kind::kBlocked ? "PIN2 blocked" : "wrong PIN2");
  }
  return outcome;
}

void AuthorityGuard::pin2Failed(const std::string& why) {
  endEverything(why);
}

void AuthorityGuard::finished(const std::string& terminal) {
  cardConfirmedAtMs_.store(0);
  book_.end(terminal, "terminal finish");
  sessions_.dropOwner(terminal);
  standbyIfNoneLive();
}

void AuthorityGuard::revoked(const std::string& terminal) {
  book_.revoke(terminal);
  sessions_.dropOwner(terminal);
  standbyIfNoneLive();
}

void AuthorityGuard::registered(const std::string& terminal) {
  book_.registered(terminal);
  sessions_.dropOwner(terminal);
}

void AuthorityGuard::cardReset(const std::string& why) {
  // Called under the card link's lock (ReconnectingTransport's events): no card command here,
  // and no lock a card command may hold (cardMutex_). A reset card is not in crypto anyway.
  cardConfirmedAtMs_.store(0);
  book_.endAll(why);
  const size_t dropped = sessions_.dropAll();
  if (dropped > 0) log_.info("sessions: " + std::to_string(dropped) + " dropped (" + why + ")");
}

void AuthorityGuard::sweep() {
  for (const std::string& terminal : book_.expire()) sessions_.dropOwner(terminal);
  standbyIfNoneLive();
}

void AuthorityGuard::endEverything(const std::string& why) {
  cardConfirmedAtMs_.store(0);
  book_.endAll(why);
  const size_t dropped = sessions_.dropAll();
  if (dropped > 0) log_.info("sessions: " + std::to_string(dropped) + " dropped (" + why + ")");
  standbyIfNoneLive();
}

void AuthorityGuard::standbyIfNoneLive() {
  std::lock_guard lock(cardMutex_);
  if (!cardMayBeCrypto_ || book_.anyLive()) return;
  // Nobody holds authority: the card's crypto state must not outlive it (VERIFY FF 82 is a
  // reset, harmless in any state).
  if (auto finished = card_.finish(); !finished) {
    log_.debug("home card: could not return to standby: " + finished.error().message);
    return;
  }
  cardMayBeCrypto_ = false;
  log_.transition("home card", "crypto", "standby (no terminal holds PIN2 authority)");
}

}  // namespace hp::home_server
