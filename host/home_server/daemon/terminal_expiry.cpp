// The policy sweep of the assembled server (docs/proxy-architecture.md, "Terminal policies"):
// a terminal whose policy expired is revoked like `revoke-terminal` (registry, tickets, PIN2
// authority, shop sessions, open channels, the mailed notice), whether a request of it met the
// gate or it sits idle on an open channel; and the day limit's open reservations are reconciled
// with the home card's log (purse/reservation_reconcile.hpp).
#include <algorithm>

#include "host/home_server/daemon/home_server.hpp"
#include "host/home_server/purse/reservation_reconcile.hpp"

namespace hp::home_server {

namespace {

// Open reservations the card could not settle (locked, gone, a log too short) are asked about
// again this often, besides at start-up and after PIN1.
constexpr uint64_t kReconcileEveryMs = 30'000;

}  // namespace

void HomeServer::endTerminalLocally(const std::string& id) {
  tickets_.revokeTerminal(id);
  authority_->revoked(id);
  if (listener_) (void)listener_->closeTerminal(id);
}

void HomeServer::expireTerminal(const std::string& id) {
  std::lock_guard lock(expiryMutex_);
  auto all = terminals_->list();
  if (!all) {
    // The registry cannot be changed now: the terminal ends here all the same (the gate refuses
    // its every request), and the next sweep revokes it on the card.
    endTerminalLocally(id);
    log_.warn("terminal " + id + ": its policy expired; the registry is unreachable (" +
              all.error().message + "), revocation retried");
    return;
  }
  const auto entry =
      std::find_if(all->begin(), all->end(), [&id](const TerminalEntry& e) { return e.id == id; });
  if (entry == all->end() || entry->revoked) {
    // Revoked before (or never on the card): nothing to revoke or to mail.
    endTerminalLocally(id);
  } else if (auto revoked = revokeTerminal(id, "the expiry of its policy"); !revoked) {
    endTerminalLocally(id);
    log_.warn("terminal " + id + ": its policy expired; revocation failed (" +
              revoked.error().message + "), retried");
    return;
  }
  if (auto marked = policies_->markExpiryRevoked(id); !marked) {
    log_.warn("terminal " + id + ": " + marked.error().message);
  }
}

void HomeServer::policySweep() {
  std::lock_guard lock(sweepMutex_);
  // Expired policies: an idle channel has no request for the gate to refuse, so the sweep
  // revokes it (within policySweepMs of the expiry).
  if (auto expired = policies_->expiredUnrevoked(parts_.unixNow()); !expired) {
    log_.warn("policy sweep: " + expired.error().message);
  } else {
    for (const std::string& id : *expired) expireTerminal(id);
  }
  const uint64_t now = parts_.wallClock->nowMs();
  if (!reconcileDue_.exchange(false) && now - lastReconcileMs_ < kReconcileEveryMs) return;
  lastReconcileMs_ = now;
  auto report = reconcileWithCard(*policies_, *purse_);
  if (!report) {
    // Mostly a locked card (READ LOG needs PIN1): PIN1 asks again (cardReadable).
    log_.debug("day limits: reconciliation: " + report.error().message);
    return;
  }
  if (report->completed + report->released + report->undecided == 0) return;
  log_.info("day limits: reconciled with the card's log: " + std::to_string(report->completed) +
            " paid on the card (completed), " + std::to_string(report->released) +
            " not paid (released), " + std::to_string(report->undecided) + " undecided");
}

}  // namespace hp::home_server
