// What the appliance wing knows (docs/appliances.md): each discovered appliance's schema, last
// state and availability, fed by the MQTT thread (handle()) and read by the RPC threads. One
// mutex; waitFor() lets a set wait for the device's state echo. Bounded: at most maxAppliances
// schemas, each of bounded size (discovery.hpp), whatever the bus announces.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/home_server/appliances/discovery.hpp"

namespace hp::home_server {

struct ApplianceState {
  bool online = true;  // no availability topic: taken as online while the broker is
  std::string state;   // the last state word (ON, LOCKED, a sensor reading); empty: none yet
  std::optional<int> brightness;  // light, in the device's scale
  std::optional<double> targetTemperature;
  std::string mode;
  uint64_t updates = 0;  // every state or availability message counts
};

struct ApplianceView {
  ApplianceSchema schema;
  ApplianceState state;
};

class ApplianceRegistry {
 public:
  using Warn = std::function<void(const std::string& line)>;
  ApplianceRegistry(size_t maxAppliances, Warn warn);

  // One MQTT message. A discovery config adds, replaces or (empty payload) removes an appliance;
  // anything else updates the state of the appliances watching that topic. Returns the topics
  // a newly accepted schema needs subscribed. Never throws; refusals are logged (rate-limited).
  std::vector<std::string> handle(std::string_view topic, std::string_view payload);

  std::vector<ApplianceView> list() const;
  std::optional<ApplianceView> find(const std::string& id) const;
  // Waits until `done` holds for the appliance (or it is gone) or the timeout passes; returns
  // the last view (nullopt: gone).
  std::optional<ApplianceView> waitFor(const std::string& id,
                                       const std::function<bool(const ApplianceView&)>& done,
                                       std::chrono::milliseconds timeout) const;
  // The broker connection was lost: what we knew of availability may be stale (a broker that
  // restarted without persistence forgets the retained states and last wills), so every
  // appliance with an availability topic counts as offline until it says otherwise.
  void brokerLost();
  // Every topic to subscribe to after a (re)connect.
  std::vector<std::string> watchedTopics() const;
  size_t size() const;
  size_t refused() const;

 private:
  void refuse(const std::string& why);
  std::vector<std::string> discovered(std::string_view topic, std::string_view payload);
  void unwatch(const ApplianceSchema& schema);
  static void applyState(ApplianceView& view, const std::string& topic, std::string_view payload);

  const size_t maxAppliances_;
  Warn warn_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, ApplianceView> appliances_;           // by id
  std::map<std::string, std::vector<std::string>> watchers_;  // topic -> ids
  size_t refused_ = 0;
};

}  // namespace hp::home_server
