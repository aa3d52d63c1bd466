// The devices appliance_sim plays: each kind's discovery config, its states and what it does
// with a command (the same conventions a Tasmota or ESPHome device follows).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sim {

using Messages = std::vector<std::pair<std::string, std::string>>;  // topic, payload

class Device {
 public:
  Device(std::string kind, std::string name);
  std::string root() const { return "hp/" + name_; }
  std::string discoveryTopic() const;
  std::string discoveryConfig() const;
  std::vector<std::string> commandTopics() const;
  Messages states() const;
  // A command on one of its topics: the new state messages (empty: ignored, e.g. out of range).
  Messages command(const std::string& topic, const std::string& payload);

 private:
  std::string kind_, name_;
  bool on_ = false;
  int brightness_ = 255;
  bool locked_ = true;
  double target_ = 20.0;
  std::string mode_ = "heat";
};

// The i-th announcement of a flood: broken JSON, huge payloads, deep nests, bad topics, wrong
// types, wildcards in topics, and valid ones past any sane count.
std::pair<std::string, std::string> hostileAnnouncement(int i);

}  // namespace sim
