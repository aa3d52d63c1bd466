#include "host/home_server/appliances/appliance_wing.hpp"

namespace hp::home_server {

namespace {

// Announcements of every component at both depths (with and without a node_id).
constexpr const char* kDiscoveryFilters[] = {"homeassistant/+/+/config",
                                             "homeassistant/+/+/+/config"};

}  // namespace

Result<std::unique_ptr<ApplianceWing>> ApplianceWing::create(
    const ApplianceConfig& config, ServerLog& log, AdmitPin2 admitPin2, notices::MailSender* mail,
    const std::string& mailFrom, const std::string& mailTo, const std::string& outboxPath) {
  std::unique_ptr<ApplianceWing> wing(new ApplianceWing(log));
  wing->registry_ = std::make_unique<ApplianceRegistry>(
      config.maxAppliances, [&log](const std::string& line) { log.warn(line); });
  MqttSettings settings;
  settings.host = config.brokerHost;
  settings.port = config.brokerPort;
  settings.caFile = config.caFile;
  settings.certFile = config.certFile;
  settings.keyFile = config.keyFile;
  settings.clientId = config.clientId;
  settings.reconnectMaxMs = config.reconnectMaxMs;
  ApplianceWing* self = wing.get();
  auto link = MqttLink::create(
      settings,
      [self](std::string_view topic, std::string_view payload) { self->onMessage(topic, payload); },
      [self](bool up, const std::string& why) { self->onConnection(up, why); });
  if (!link) return link.error();
  wing->link_ = std::move(link.value());
  if (mail != nullptr) {
    auto notices = LockNotices::create(*mail, outboxPath, mailFrom, mailTo, log);
    if (!notices) return notices.error();
    wing->notices_ = std::move(notices.value());
  }
  ApplianceServiceParts parts;
  parts.registry = wing->registry_.get();
  parts.log = &log;
  parts.publish = [self](const std::string& topic, const std::string& payload) {
    return self->link_->publish(topic, payload);
  };
  parts.brokerUp = [self] { return self->brokerUp(); };
  parts.admitPin2 = std::move(admitPin2);
  if (wing->notices_) {
    LockNotices* notices = wing->notices_.get();
    parts.onLockChange = [notices](const std::string& terminal, const std::string& appliance,
                                   const std::string& value, const std::string& outcome) {
      notices->lockChanged(terminal, appliance, value, outcome);
    };
  }
  parts.confirmTimeout = std::chrono::milliseconds(config.confirmMs);
  wing->service_ = std::make_unique<ApplianceService>(std::move(parts));
  return wing;
}

ApplianceWing::~ApplianceWing() {
  stop();
}

void ApplianceWing::start() {
  link_->start();
}

void ApplianceWing::stop() {
  if (link_) link_->stop();
  if (notices_) notices_->stop();
}

void ApplianceWing::onConnection(bool up, const std::string& why) {
  if (!up) {
    registry_->brokerLost();
    log_.warn("appliances: broker " + why + "; reconnecting with back-off");
    return;
  }
  log_.info("appliances: broker connected");
  // A new session: the broker forgot our subscriptions; it re-sends every retained
  // announcement and state once we subscribe again.
  for (const char* filter : kDiscoveryFilters) (void)link_->subscribe(filter);
  for (const std::string& topic : registry_->watchedTopics()) (void)link_->subscribe(topic);
}

void ApplianceWing::onMessage(std::string_view topic, std::string_view payload) {
  for (const std::string& watched : registry_->handle(topic, payload)) {
    if (auto subscribed = link_->subscribe(watched); !subscribed) {
      log_.warn("appliances: " + subscribed.error().message);
    }
  }
}

}  // namespace hp::home_server
