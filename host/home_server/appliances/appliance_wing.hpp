// The appliance wing assembled (docs/appliances.md): the MQTT link (its own thread), the
// registry it feeds, the service the RPC methods call, and the lock notices. The home server
// starts it after its other wings; a broker that is down at start or goes away later only makes
// appliance.set answer "offline" until the link is back: nothing else waits on it.
#pragma once

#include <memory>

#include "host/home_server/appliances/appliance_config.hpp"
#include "host/home_server/appliances/appliance_registry.hpp"
#include "host/home_server/appliances/appliance_service.hpp"
#include "host/home_server/appliances/lock_notices.hpp"
#include "host/home_server/appliances/mqtt_link.hpp"
#include "host/home_server/core/server_log.hpp"
#include "host/home_server/sessions/authority_guard.hpp"
#include "protocol/rpc/dispatcher.hpp"

namespace hp::home_server {

class ApplianceWing {
 public:
  // `admitPin2`: the caller's live PIN2 authority (AuthorityGuard::admit); `mail`: where lock
  // notices go (null: none), queued in `outboxPath` (the notices outbox file; empty: memory). The
  // log and the mail sender must outlive the wing.
  using AdmitPin2 =
      std::function<Result<void, protocol::rpc::RpcError>(const std::string& terminal)>;
  static Result<std::unique_ptr<ApplianceWing>> create(
      const ApplianceConfig& config, ServerLog& log, AdmitPin2 admitPin2, notices::MailSender* mail,
      const std::string& mailFrom, const std::string& mailTo, const std::string& outboxPath = "");
  ~ApplianceWing();
  void start();
  void stop();
  ApplianceService& service() { return *service_; }
  ApplianceRegistry& registry() { return *registry_; }
  bool brokerUp() const { return link_ && link_->connected(); }

 private:
  ApplianceWing(ServerLog& log) : log_(log) {}
  void onConnection(bool up, const std::string& why);
  void onMessage(std::string_view topic, std::string_view payload);

  ServerLog& log_;
  std::unique_ptr<ApplianceRegistry> registry_;
  std::unique_ptr<LockNotices> notices_;
  std::unique_ptr<ApplianceService> service_;
  std::unique_ptr<MqttLink> link_;
};

// appliance.list, appliance.state, appliance.set (protocol/rpc/appliance_methods.hpp). `wing`
// null: the methods exist and answer not_found (no appliances configured).
Result<void> registerApplianceMethods(protocol::rpc::Dispatcher& dispatcher, ApplianceWing* wing,
                                      ServerLog& log, AuthorityGuard& authority);

}  // namespace hp::home_server
