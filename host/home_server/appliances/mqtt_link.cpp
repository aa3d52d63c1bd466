#include "host/home_server/appliances/mqtt_link.hpp"

#include <mosquitto.h>

#include <algorithm>
#include <chrono>
#include <mutex>

namespace hp::home_server {

namespace {

void initLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string mosquittoError(int rc) {
  return rc == MOSQ_ERR_ERRNO ? std::string("system error") : std::string(mosquitto_strerror(rc));
}

}  // namespace

MqttLink::MqttLink(MqttSettings settings, OnMessage onMessage, OnConnection onConnection)
    : settings_(std::move(settings)),
      onMessage_(std::move(onMessage)),
      onConnection_(std::move(onConnection)) {}

Result<std::unique_ptr<MqttLink>> MqttLink::create(MqttSettings settings, OnMessage onMessage,
                                                   OnConnection onConnection) {
  if (settings.caFile.empty() || settings.certFile.empty() || settings.keyFile.empty()) {
    return makeError("appliances: ca_file, cert_file and key_file are required (TLS only)");
  }
  initLibrary();
  std::unique_ptr<MqttLink> link(
      new MqttLink(std::move(settings), std::move(onMessage), std::move(onConnection)));
  link->client_ = mosquitto_new(link->settings_.clientId.c_str(), true, link.get());
  if (link->client_ == nullptr) return makeError("appliances: mosquitto_new failed");
  // Calls from the RPC threads (publish, subscribe) while this link's thread runs the loop.
  mosquitto_threaded_set(link->client_, true);
  // A command is one small packet: Nagle's wait for the previous one's ACK (delayed by the
  // peer) would add tens of milliseconds to every set.
  mosquitto_int_option(link->client_, MOSQ_OPT_TCP_NODELAY, 1);
  int rc =
      mosquitto_tls_set(link->client_, link->settings_.caFile.c_str(), nullptr,
                        link->settings_.certFile.c_str(), link->settings_.keyFile.c_str(), nullptr);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(link->client_, 1, "tlsv1.2", nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    return makeError("appliances: TLS files: " + mosquittoError(rc));
  }
  mosquitto_connect_callback_set(link->client_, &MqttLink::connectCallback);
  mosquitto_disconnect_callback_set(link->client_, &MqttLink::disconnectCallback);
  mosquitto_message_callback_set(link->client_, &MqttLink::messageCallback);
  return link;
}

MqttLink::~MqttLink() {
  stop();
  if (client_ != nullptr) mosquitto_destroy(client_);
}

void MqttLink::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void MqttLink::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (client_ != nullptr && connected_.exchange(false)) mosquitto_disconnect(client_);
}

void MqttLink::run() {
  unsigned backoffMs = settings_.reconnectMinMs;
  bool everConnected = false;
  while (!stopping_) {
    const int rc = everConnected
                       ? mosquitto_reconnect(client_)
                       : mosquitto_connect(client_, settings_.host.c_str(), settings_.port,
                                           static_cast<int>(settings_.keepaliveSeconds));
    if (rc == MOSQ_ERR_SUCCESS) {
      everConnected = true;
      // Serve until the connection breaks; the CONNACK callback marks it up and resets nothing
      // else: the back-off restarts only once the broker has accepted us.
      while (!stopping_) {
        const int looped = mosquitto_loop(client_, 100, 1);
        if (looped != MOSQ_ERR_SUCCESS) break;
        if (connected_) backoffMs = settings_.reconnectMinMs;
      }
    }
    if (connected_.exchange(false) && onConnection_) onConnection_(false, "connection lost");
    if (stopping_) break;
    // Sleep the back-off in small steps, so stop() is prompt.
    for (unsigned slept = 0; slept < backoffMs && !stopping_; slept += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    backoffMs = std::min(backoffMs * 2, settings_.reconnectMaxMs);
  }
}

void MqttLink::connectCallback(struct mosquitto*, void* self, int rc) {
  auto* link = static_cast<MqttLink*>(self);
  if (rc != 0) {
    if (link->onConnection_) {
      link->onConnection_(false, std::string("broker refused: ") + mosquitto_connack_string(rc));
    }
    return;
  }
  link->connected_ = true;
  if (link->onConnection_) link->onConnection_(true, "connected");
}

void MqttLink::disconnectCallback(struct mosquitto*, void* self, int) {
  auto* link = static_cast<MqttLink*>(self);
  if (link->connected_.exchange(false) && link->onConnection_) {
    link->onConnection_(false, "disconnected");
  }
}

void MqttLink::messageCallback(struct mosquitto*, void* self,
                               const struct mosquitto_message* message) {
  auto* link = static_cast<MqttLink*>(self);
  if (message == nullptr || message->topic == nullptr || !link->onMessage_) return;
  const char* payload = static_cast<const char*>(message->payload);
  link->onMessage_(message->topic,
                   std::string_view(payload == nullptr ? "" : payload,
                                    static_cast<size_t>(std::max(message->payloadlen, 0))));
}

Result<void> MqttLink::subscribe(const std::string& topic) {
  const int rc = mosquitto_subscribe(client_, nullptr, topic.c_str(), 1);
  if (rc != MOSQ_ERR_SUCCESS) return makeError("subscribe " + topic + ": " + mosquittoError(rc));
  return {};
}

Result<void> MqttLink::publish(const std::string& topic, const std::string& payload, bool retain) {
  if (!connected_) return makeError("the appliance broker is not connected");
  const int rc = mosquitto_publish(client_, nullptr, topic.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), 1, retain);
  if (rc != MOSQ_ERR_SUCCESS) return makeError("publish " + topic + ": " + mosquittoError(rc));
  return {};
}

}  // namespace hp::home_server
