// The daemon as a library object: the pieces (card, terminal directory, channel key) are
// injected, so tests run the real listener, RPC methods, session manager and admin socket with
// software stand-ins, and main() wires the card-backed ones.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "host/home_server/appliances/appliance_wing.hpp"
#include "host/home_server/card/home_card.hpp"
#include "host/home_server/card/reconnecting_transport.hpp"
#include "host/home_server/daemon/admin_socket.hpp"
#include "host/home_server/daemon/config.hpp"
#include "host/home_server/daemon/listener.hpp"
#include "host/home_server/daemon/periodic_task.hpp"
#include "host/home_server/daemon/server_key.hpp"
#include "host/home_server/pim/pim_relay.hpp"
#include "host/home_server/purse/payment_notices.hpp"
#include "host/home_server/purse/pending_vouchers.hpp"
#include "host/home_server/purse/purse_service.hpp"
#include "host/home_server/sessions/authority_book.hpp"
#include "host/home_server/sessions/authority_guard.hpp"
#include "host/home_server/sessions/session_manager.hpp"
#include "host/home_server/terminals/cached_terminal_directory.hpp"
#include "host/home_server/terminals/policy_store.hpp"
#include "host/home_server/terminals/terminal_directory.hpp"
#include "protocol/rpc/dispatcher.hpp"

namespace hp::home_server {

struct HomeServerParts {
  HomeCard* card = nullptr;
  TerminalDirectory* terminals = nullptr;
  channel::ServerSigner* serverSigner = nullptr;
  base::Clock* wallClock = nullptr;
  std::function<Result<std::unique_ptr<base::Rng>>()> makeRng;  // default: makeKernelSeededRng
  ServerLog::Sink logSink;                                      // default: stderr
  // Tests: connect to shops at this address instead of resolving their names.
  std::string shopConnectAddress;
  tls_proxy::UnixClock unixNow = tls_proxy::systemUnixNow;
  SessionManager::Handshake handshake;  // default: tls::performDelegatedHandshake
  Resolver resolver;                    // the relay policy's DNS; default: systemResolve
  // Tests: the notices' mail transport and clock instead of SMTP and the system clock.
  notices::MailSender* noticeSender = nullptr;
  notices::WallClock* noticeClock = nullptr;
  // How long an active terminal's key is answered from the server's cache instead of the
  // directory (the home card: one APDU a lookup); register/revoke through the admin socket
  // take effect at once whatever this is (cached_terminal_directory.hpp). 0: no cache.
  uint64_t registryCacheMs = 10 * 60 * 1000;
  // The PIN2 authority's clock (default: wallClock); tests move it by hand.
  base::Clock* authorityClock = nullptr;
  // How often lapsed grants are applied (the card back to standby when none is left); 0: only
  // when a request finds them (tests call authority().sweep()).
  uint32_t authoritySweepMs = 1000;
  // How often the policy sweep runs (terminal_expiry.cpp): terminals whose policy expired are
  // revoked, idle ones too; open day-limit reservations are reconciled (at start, after PIN1,
  // then every 30 s while some are left). 0: no sweep (tests call policySweep()).
  uint32_t policySweepMs = 1000;
  // The home card's link (main: the PC/SC one): a lost or reopened link means a card that may
  // have restarted without its PINs, so every grant ends at once. May be null.
  ReconnectingTransport* cardLink = nullptr;
};

class HomeServer {
 public:
  HomeServer(HomeServerConfig config, HomeServerParts parts);
  ~HomeServer();

  // Opens the admin socket (when a path is configured) and the terminal listener.
  Result<void> start();
  void stop();

  uint16_t port() const { return listener_ ? listener_->port() : 0; }
  ServerLog& log() { return log_; }
  AuthorityGuard& authority() { return *authority_; }
  SessionManager& sessions() { return *sessions_; }
  PurseService& purse() { return *purse_; }
  PaymentNotices* notices() { return notices_.get(); }
  ApplianceWing* appliances() { return appliances_.get(); }
  // After PIN1 was accepted: the payment-notice collector reads the card's log now (entries it
  // could not read while the card was locked or gone).
  void cardReadable();
  // The directory the channel and the admin commands use (the cache in front of parts.terminals).
  TerminalDirectory& terminals() { return *terminals_; }
  PolicyStore& policies() { return *policies_; }
  channel::ServerTicketStore& tickets() { return tickets_; }
  const protocol::rpc::Dispatcher& dispatcher() const { return methods_; }
  const protocol::rpc::Dispatcher& adminDispatcher() const { return adminMethods_; }
  // One round of the policy sweep (terminal_expiry.cpp); the sweeper runs it periodically.
  void policySweep();

 private:
  Result<void> registerAdminMethods();
  // terminal.register / revoke / list / policy on the admin socket, terminals.revoke on the
  // channel (terminal_admin.cpp).
  Result<void> registerTerminalAdminMethods();
  // Ends the terminal: the registry (through the cache), its tickets, authority, sessions and
  // open channels; `by` names who asked, for the log and the notice.
  Result<void, protocol::rpc::RpcError> revokeTerminal(const std::string& id,
                                                       const std::string& by);
  // A terminal whose policy expired: revoked as by the admin, `by` its expiry
  // (terminal_expiry.cpp).
  void expireTerminal(const std::string& id);
  // Its tickets, authority and open channels end, whatever the registry can do now.
  void endTerminalLocally(const std::string& id);
  Result<void> startPurse(const RelayOptions& relay);
  // A handshake with the shop that verifies its chain and host name and stops before the card
  // would sign: how a PIN-only payment checks the shop (pay_policy.hpp).
  bool shopCertificateChecked(const ShopUrl& url);
  Result<void> startAppliances();

  HomeServerConfig config_;
  HomeServerParts parts_;
  ServerLog log_;
  std::unique_ptr<SerializedServerSigner> serverSigner_;
  std::unique_ptr<CachedTerminalDirectory> cachedTerminals_;
  TerminalDirectory* terminals_ = nullptr;  // cachedTerminals_, or parts_.terminals
  std::unique_ptr<PolicyStore> policies_;
  channel::ShareReplayCache replayCache_{4096};
  channel::ServerTicketStore tickets_{1024};
  std::unique_ptr<RelayPolicy> relayPolicy_;
  std::unique_ptr<SessionManager> sessions_;
  SessionManager::Handshake shopHandshake_;  // through the relay policy
  std::unique_ptr<AuthorityBook> authorityBook_;
  std::unique_ptr<AuthorityGuard> authority_;
  std::unique_ptr<PeriodicTask> authoritySweeper_;
  std::unique_ptr<PendingVoucherStore> pendingVouchers_;
  std::unique_ptr<base::Rng> purseRng_;
  std::mutex purseRngMutex_;
  std::unique_ptr<PurseService> purse_;
  std::unique_ptr<PimRelay> pim_;  // docs/pim.md
  std::unique_ptr<PeriodicTask> reconciler_;
  std::unique_ptr<PaymentNotices> notices_;
  std::unique_ptr<notices::MailSender> applianceMail_;  // lock notices' SMTP, unless injected
  std::unique_ptr<ApplianceWing> appliances_;
  protocol::rpc::Dispatcher methods_;
  protocol::rpc::Dispatcher adminMethods_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<AdminSocketServer> admin_;
  std::mutex expiryMutex_;
  std::atomic<bool> reconcileDue_{true};  // at start and after PIN1
  std::mutex sweepMutex_;                 // one policySweep() at a time
  uint64_t lastReconcileMs_ = 0;          // guarded by sweepMutex_
  std::unique_ptr<PeriodicTask> policySweeper_;
};

}  // namespace hp::home_server
