// The home server's MQTT client (libmosquitto, TLS with its own client certificate). It runs
// the mosquitto network loop in a thread of its own, so a slow or vanished broker never blocks
// a terminal's request: publish() only queues. When the broker goes away the thread reconnects
// with exponential back-off (reconnectMinMs doubling up to reconnectMaxMs) for as long as the
// server runs; every (re)connect calls onConnect so the wing subscribes again and the broker
// re-sends the retained announcements and states.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.hpp"

struct mosquitto;
struct mosquitto_message;

namespace hp::home_server {

struct MqttSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 8883;
  std::string caFile, certFile, keyFile;
  std::string clientId = "home-server";
  unsigned keepaliveSeconds = 30;
  unsigned reconnectMinMs = 250;
  unsigned reconnectMaxMs = 10'000;
};

class MqttLink {
 public:
  using OnMessage = std::function<void(std::string_view topic, std::string_view payload)>;
  using OnConnection = std::function<void(bool up, const std::string& why)>;

  // Checks the settings and sets up the client; connects only in start().
  static Result<std::unique_ptr<MqttLink>> create(MqttSettings settings, OnMessage onMessage,
                                                  OnConnection onConnection);
  ~MqttLink();
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;

  void start();  // the loop thread: connect, then serve and reconnect until stop()
  void stop();

  bool connected() const { return connected_.load(); }
  Result<void> subscribe(const std::string& topic);
  Result<void> publish(const std::string& topic, const std::string& payload, bool retain = false);

 private:
  MqttLink(MqttSettings settings, OnMessage onMessage, OnConnection onConnection);
  void run();
  static void connectCallback(struct mosquitto* client, void* self, int rc);
  static void disconnectCallback(struct mosquitto* client, void* self, int rc);
  static void messageCallback(struct mosquitto* client, void* self,
                              const struct mosquitto_message* message);

  MqttSettings settings_;
  OnMessage onMessage_;
  OnConnection onConnection_;
  struct mosquitto* client_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace hp::home_server
