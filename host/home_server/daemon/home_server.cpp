#include "host/home_server/daemon/home_server.hpp"

#include "base/pin_format.hpp"
#include "host/home_server/pim/pim_methods.hpp"
#include "host/home_server/purse/purse_methods.hpp"
#include "host/home_server/sessions/policy_gate.hpp"
#include "host/home_server/sessions/rpc_methods.hpp"
#include "protocol/rpc/admin_methods.hpp"

namespace hp::home_server {

namespace {

namespace wire = protocol::rpc;
using protocol::rpc::RpcError;
template <class M>
using Answer = Result<typename M::Result, RpcError>;

RpcError invalid(const std::string& message) {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams, message);
}

}  // namespace

HomeServer::HomeServer(HomeServerConfig config, HomeServerParts parts)
    : config_(std::move(config)), parts_(std::move(parts)), log_(config_.logLevel, parts_.logSink) {
  // Per connection: seeded from the kernel alone, no HAVEGE start-up each time (rng.hpp).
  if (!parts_.makeRng) parts_.makeRng = [] { return base::makeKernelSeededRng(); };
}

HomeServer::~HomeServer() {
  stop();
}

// Long on purpose (issue 11): the start-up sequence in order, each part built on the ones before.
// NOLINTNEXTLINE(readability-function-size)
Result<void> HomeServer::start() {
  if (!parts_.card || !parts_.terminals || !parts_.serverSigner || !parts_.wallClock) {
    return makeError("home server: card, terminal directory, server key and clock are required");
  }
  serverSigner_ = std::make_unique<SerializedServerSigner>(*parts_.serverSigner);
  terminals_ = parts_.terminals;
  if (parts_.registryCacheMs > 0) {
    cachedTerminals_ = std::make_unique<CachedTerminalDirectory>(
        *parts_.terminals, *parts_.wallClock, parts_.registryCacheMs);
    terminals_ = cachedTerminals_.get();
  }
  SessionManagerConfig sessionConfig;
  sessionConfig.caFile = config_.trustStoreCaFile;
  sessionConfig.connectAddress = parts_.shopConnectAddress;
  sessionConfig.lifetimeCapSeconds = config_.sessionLifetimeCapSeconds;
  sessionConfig.now = parts_.unixNow;
  relayPolicy_ = std::make_unique<RelayPolicy>(config_.relay, parts_.resolver);
  // Every handshake a terminal causes (session.open, relay.request, the purse) passes the relay
  // policy first and connects to the address it checked.
  SessionManager::Handshake inner =
      parts_.handshake ? parts_.handshake
                       : SessionManager::Handshake(tls_proxy::performDelegatedHandshake);
  SessionManager::Handshake checked =
      [policy = relayPolicy_.get(), inner](
          const tls_proxy::DelegatedHandshakeRequest& request,
          tls_proxy::ClientKeySigner& signer) -> Result<tls_proxy::DelegatedSession> {
    auto address = policy->connectAddress(request.host, request.port, request.connectAddress);
    if (!address) return address.error();
    tls_proxy::DelegatedHandshakeRequest scoped = request;
    scoped.connectAddress = *address;
    return inner(scoped, signer);
  };
  shopHandshake_ = checked;
  sessions_ = std::make_unique<SessionManager>(sessionConfig, parts_.card->signer(), log_, checked);
  AuthorityLimits limits;
  limits.idleMs = uint64_t{config_.authority.idleSeconds} * 1000;
  limits.lifetimeMs = uint64_t{config_.authority.lifetimeSeconds} * 1000;
  limits.cardCheckMs = config_.authority.cardCheckMs;
  authorityBook_ = std::make_unique<AuthorityBook>(
      limits, parts_.authorityClock ? *parts_.authorityClock : *parts_.wallClock,
      [this](const std::string& what, const std::string& from, const std::string& to) {
        log_.transition(what, from, to);
      });
  authority_ = std::make_unique<AuthorityGuard>(*authorityBook_, *parts_.card, *sessions_, log_);
  if (parts_.cardLink) {
    parts_.cardLink->setEvents([this](bool lost, const std::string& text) {
      if (lost) {
        log_.warn(text);
      } else {
        log_.info(text);
      }
      // Lost: the card may be gone or restarting; reopened: it lost its PINs if it restarted.
      authority_->cardReset(lost ? "home card link lost" : "home card link reopened");
    });
  }
  if (parts_.authoritySweepMs > 0) {
    authoritySweeper_ = std::make_unique<PeriodicTask>(
        std::chrono::milliseconds(parts_.authoritySweepMs), [this] { authority_->sweep(); });
  }
  auto policies = PolicyStore::open(config_.terminalPolicyDb.empty() ? std::string(":memory:")
                                                                     : config_.terminalPolicyDb);
  if (!policies) return policies.error();
  policies_ = std::move(policies.value());
  // Every request over a channel passes its terminal's policy first (policy_gate.hpp).
  // An expired policy revokes its terminal at once (terminal_expiry.cpp).
  methods_.setGate(policyGate(
      *policies_, log_, [this] { return parts_.unixNow(); },
      [this](const std::string& terminal) { expireTerminal(terminal); }));
  MethodContext context;
  context.card = parts_.card;
  context.sessions = sessions_.get();
  context.log = &log_;
  context.authority = authority_.get();
  context.relay.connectAddress = parts_.shopConnectAddress;
  context.relay.now = parts_.unixNow;
  context.relay.policy = relayPolicy_.get();
  if (auto added = registerHomeServerMethods(methods_, context); !added) return added;
  if (auto added = registerAdminMethods(); !added) return added;
  if (auto purse = startPurse(context.relay); !purse) return purse;
  if (auto appliances = startAppliances(); !appliances) return appliances;
  // Always registered: without a pim section the relay answers pim_not_enabled, which names
  // the setting to add.
  pim_ = std::make_unique<PimRelay>(config_.pim, log_);
  if (auto added = registerPimMethods(methods_, *pim_, log_, *authority_); !added) return added;

  if (!config_.adminSocketPath.empty()) {
    admin_ = std::make_unique<AdminSocketServer>(config_.adminSocketPath, adminMethods_, log_);
    if (auto started = admin_->start(); !started) return started;
  }
  ListenerConfig listenerConfig;
  listenerConfig.address = config_.listenAddress;
  listenerConfig.port = config_.listenPort;
  listenerConfig.maxConnections = config_.maxConnections;
  listenerConfig.maxHandshakes = config_.listener.maxHandshakes;
  listenerConfig.maxHandshakesPerSource = config_.listener.maxHandshakesPerSource;
  listenerConfig.handshakeTimeoutMs = config_.listener.handshakeTimeoutMs;
  listenerConfig.registry = terminals_;
  // A terminal's warm relay connections do not outlive its channel (sessions do: they are
  // the authority's, docs/proxy-architecture.md "Warm relay connections").
  listenerConfig.channelEnded = [this](const std::string& terminal) {
    sessions_->warm().dropOwner(terminal);
  };
  listenerConfig.signer = serverSigner_.get();
  listenerConfig.clock = parts_.wallClock;
  listenerConfig.replayCache = &replayCache_;
  listenerConfig.tickets = &tickets_;
  listenerConfig.makeRng = parts_.makeRng;
  listener_ = std::make_unique<Listener>(listenerConfig, methods_, log_);
  if (auto started = listener_->start(); !started) return started;
  if (parts_.policySweepMs > 0) {
    // Its first round runs now: reservations a kill -9 left open are reconciled at start.
    policySweeper_ = std::make_unique<PeriodicTask>(std::chrono::milliseconds(parts_.policySweepMs),
                                                    [this] { policySweep(); });
  }
  return {};
}

void HomeServer::stop() {
  if (policySweeper_) policySweeper_->stop();
  if (listener_) listener_->stop();
  if (appliances_) appliances_->stop();
  if (admin_) admin_->stop();
  if (reconciler_) reconciler_->stop();
  if (notices_) notices_->stop();
  if (authoritySweeper_) authoritySweeper_->stop();
  if (parts_.cardLink) parts_.cardLink->setEvents(nullptr);
}

Result<void> HomeServer::startPurse(const RelayOptions& relay) {
  if (!config_.purse.pendingVouchersDb.empty()) {
    auto store = PendingVoucherStore::open(config_.purse.pendingVouchersDb);
    if (!store) return store.error();
    pendingVouchers_ = std::move(store.value());
  }
  if (config_.notices.enabled) {
    auto notices = parts_.noticeSender && parts_.noticeClock
                       ? PaymentNotices::create(config_.notices, *parts_.card, log_,
                                                *parts_.noticeSender, *parts_.noticeClock)
                       : PaymentNotices::create(config_.notices, *parts_.card, log_);
    if (!notices) return notices.error();
    notices_ = std::move(notices.value());
  }
  auto rng = parts_.makeRng();
  if (!rng) return rng.error();
  purseRng_ = std::move(rng.value());
  PurseServiceParts purse;
  purse.card = parts_.card;
  purse.pending = pendingVouchers_.get();
  purse.log = &log_;
  purse.verifyShop = [this](const ShopUrl& url) -> Result<void> {
    // Our own handshake (or its cached session) checked the chain and the host name.
    auto opened = sessions_->open(url);
    if (opened) return {};
    // Without PIN2 the card signs no new handshake (a PIN-only payment): the shop's chain and
    // host name are checked all the same, by a handshake that stops at the client's signature.
    if (shopCertificateChecked(url)) return {};
    return opened.error();
  };
  purse.https = [this, relay](const RelayRequest& request) {
    return relayRequest(*sessions_, request, relay);
  };
  purse.nowMs = [this] { return parts_.wallClock->nowMs(); };
  purse.newRequestId = [this] {
    std::lock_guard lock(purseRngMutex_);
    Bytes id(16);
    if (purseRng_->fill(id.data(), id.size()) != 0) return std::string();
    return toHex(id);
  };
  if (notices_) {
    purse.purseChanged = [this] { notices_->kick(); };
    purse.paidVia = [this](const std::string& purseId, uint32_t txn, const std::string& till) {
      if (auto noted = notices_->outbox().noteTerminal(purseId, txn, till); !noted) {
        log_.warn("notices: " + noted.error().message);
      }
    };
  }
  purse_ = std::make_unique<PurseService>(std::move(purse));
  PayPolicy payPolicy;
  payPolicy.store = policies_.get();
  payPolicy.nowUnix = [this] { return parts_.unixNow(); };
  payPolicy.nowMs = [this] { return parts_.wallClock->nowMs(); };
  // A till's payment is mailed at once (the purse kicked the notices, with the till noted).
  payPolicy.tillPaid = [this](const std::string& terminal) {
    log_.info("purse: till " + terminal + " paid");
  };
  payPolicy.userCertificate = [this] { return parts_.card->signer().certificateDer(); };
  if (auto added = registerPurseMethods(methods_, *purse_, log_, *authority_, payPolicy); !added) {
    return added;
  }
  if (notices_) notices_->start();
  if (pendingVouchers_) {
    // Unfinished top-ups (a crash, a lost bank connection) finish at start and then
    // periodically; a card still locked just leaves them for the next round.
    reconciler_ = std::make_unique<PeriodicTask>(
        std::chrono::seconds(config_.purse.reconcileSeconds), [this] {
          auto settled = purse_->reconcile();
          if (!settled) {
            log_.debug("purse: reconciliation: " + settled.error().message);
          } else if (*settled > 0) {
            log_.info("purse: reconciliation settled " + std::to_string(*settled) + " top-up(s)");
          }
        });
  }
  return {};
}

namespace {

// The user's certificate for the shop's CertificateRequest, and no signature: mbedTLS verifies
// the shop's chain and host name before the client signs (CertificateVerify), so being asked to
// sign proves the shop checked out.
class StopAtSignature final : public tls_proxy::ClientKeySigner {
 public:
  explicit StopAtSignature(tls_proxy::ClientKeySigner& user) : user_(user) {}
  tls_proxy::KeyType keyType() const override { return user_.keyType(); }
  Bytes certificateDer() const override { return user_.certificateDer(); }
  Result<Bytes> signHash(mbedtls_md_type_t, ByteView) override {
    asked = true;
    return makeError("certificate check only: no signature");
  }
  bool asked = false;

 private:
  tls_proxy::ClientKeySigner& user_;
};

}  // namespace

bool HomeServer::shopCertificateChecked(const ShopUrl& url) {
  StopAtSignature signer(parts_.card->signer());
  tls_proxy::DelegatedHandshakeRequest request;
  request.host = url.host;
  request.port = url.port;
  request.caFile = config_.trustStoreCaFile;
  request.connectAddress = parts_.shopConnectAddress;
  request.now = parts_.unixNow;
  (void)shopHandshake_(request, signer);
  return signer.asked;
}

Result<void> HomeServer::startAppliances() {
  if (config_.appliances.enabled) {
    // Lock notices go where payment notices go (the notices section), by the same SMTP.
    notices::MailSender* mail = parts_.noticeSender;
    if (mail == nullptr && config_.notices.enabled) {
      notices::SmtpConfig smtp;
      smtp.url = config_.notices.smtpUrl;
      smtp.requireStartTls = config_.notices.smtpStartTls;
      smtp.caFile = config_.notices.smtpCaFile;
      smtp.username = config_.notices.smtpUser;
      if (!config_.notices.smtpPasswordFile.empty()) {
        auto password = readPasswordFile(config_.notices.smtpPasswordFile);
        if (!password) return password.error();
        smtp.password = std::move(password.value());
      }
      auto sender = notices::SmtpSender::create(std::move(smtp));
      if (!sender) return makeError("appliances: " + sender.error().message);
      applianceMail_ = std::move(sender.value());
      mail = applianceMail_.get();
    }
    auto admitPin2 = [this](const std::string& terminal) { return authority_->admit(terminal); };
    auto wing =
        ApplianceWing::create(config_.appliances, log_, admitPin2, mail, config_.notices.from,
                              config_.notices.to, config_.notices.outboxPath);
    if (!wing) return wing.error();
    appliances_ = std::move(wing.value());
    appliances_->start();
  }
  return registerApplianceMethods(methods_, appliances_.get(), log_, *authority_);
}

void HomeServer::cardReadable() {
  // The card's log is readable again (PIN1, after a start or a card restart). The collector
  // runs on purse changes and every notices.period_seconds (60 s from hp_provision); one that
  // met the card dead or locked (a payment whose card died right after its DEBIT, a credit made
  // by the home server before a restart) would otherwise leave those entries unread that long.
  if (notices_) notices_->kick();
  // And the day limits' open reservations are matched against it.
  reconcileDue_ = true;
  if (policySweeper_) policySweeper_->kick();
}

// Long on purpose (issue 11): a table of the admin methods, one short lambda each.
// NOLINTNEXTLINE(readability-function-size)
Result<void> HomeServer::registerAdminMethods() {
  HomeCard& card = *parts_.card;
  ServerLog& log = log_;
  Result<void> added = wire::registerMethod<wire::AdminPin1>(
      adminMethods_,
      [this, &card, &log](const wire::PinParams& params,
                          const protocol::rpc::CallContext&) -> Answer<wire::AdminPin1> {
        if (!base::isValidPinFormat(bytesOf(params.pin))) return invalid("a PIN is 4 to 8 digits");
        auto outcome = card.verifyPin1(params.pin);
        if (!outcome) {
          return protocol::rpc::makeRpcError(protocol::rpc::code::kCardError,
                                             "home card: " + outcome.error().message);
        }
        Json::Value data;
        data["tries_left"] = outcome->triesLeft;
        if (outcome->kind == PinOutcome::Kind::kWrong) {
          log.warn("admin: PIN1 wrong, " + std::to_string(outcome->triesLeft) + " tries left");
          return protocol::rpc::makeRpcError(protocol::rpc::code::kPinWrong, "wrong PIN1", data);
        }
        if (outcome->kind == PinOutcome::Kind::kBlocked) {
          log.error("admin: PIN1 blocked");
          return protocol::rpc::makeRpcError(protocol::rpc::code::kPinBlocked, "PIN1 blocked",
                                             data);
        }
        log.transition("home card", "inhibited", "standby");
        cardReadable();
        return wire::CardState{"standby"};
      });
  if (added) added = registerTerminalAdminMethods();
  if (added) {
    added = wire::registerMethod<wire::AdminStatus>(
        adminMethods_,
        [this](const wire::NoParams&,
               const protocol::rpc::CallContext&) -> Answer<wire::AdminStatus> {
          auto status = parts_.card->status();
          return wire::AdminStatus::Result{
              status ? status->security : "unreachable: " + status.error().message, port(),
              listener_ ? listener_->activeConnections() : 0, sessions_->listAll().size(),
              sessions_->handshakeCount()};
        });
  }
  return added;
}

}  // namespace hp::home_server
