// Home Assistant MQTT discovery as the appliance wing reads it (docs/appliances.md): a retained
// JSON config under homeassistant/<component>/[<node_id>/]<object_id>/config names the topics
// and payloads of one appliance. Pure parsing, no I/O: every field is bounded and checked here,
// so a hostile or broken announcement is refused with a reason and never reaches the registry.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <json/json.h>

#include "base/result.hpp"

namespace hp::home_server {

enum class ApplianceKind { kSwitch, kLight, kLock, kClimate, kSensor };

std::string_view kindName(ApplianceKind kind);

// Limits on what one announcement may carry (the wing holds at most maxAppliances of them).
inline constexpr size_t kMaxDiscoveryPayload = 4096;
inline constexpr size_t kMaxTopic = 200;
inline constexpr size_t kMaxField = 64;  // payload words, units, a name
inline constexpr size_t kMaxModes = 16;

// What the wing knows of one appliance from its announcement.
struct ApplianceSchema {
  std::string id;           // object_id, or node_id/object_id: the name users type
  std::string displayName;  // the config's "name", else the id
  ApplianceKind kind = ApplianceKind::kSwitch;
  std::string discoveryTopic;
  std::string commandTopic;  // switch, light, lock
  std::string stateTopic;    // switch, light, lock, sensor
  std::string availabilityTopic;
  std::string payloadAvailable = "online";
  std::string payloadNotAvailable = "offline";
  // switch and light (default schema): what to send, what the state says.
  std::string payloadOn = "ON";
  std::string payloadOff = "OFF";
  std::string stateOn;   // default: payloadOn
  std::string stateOff;  // default: payloadOff
  // light: the JSON schema ({"state":"ON","brightness":N} both ways), or the default schema
  // with separate brightness topics.
  bool jsonSchema = false;
  bool brightness = false;
  std::string brightnessCommandTopic;
  std::string brightnessStateTopic;
  int brightnessScale = 255;
  // lock
  std::string payloadLock = "LOCK";
  std::string payloadUnlock = "UNLOCK";
  std::string stateLocked = "LOCKED";
  std::string stateUnlocked = "UNLOCKED";
  // climate: target temperature and mode, each with its own topics.
  std::string temperatureCommandTopic;
  std::string temperatureStateTopic;
  std::string modeCommandTopic;
  std::string modeStateTopic;
  double minTemp = 7;
  double maxTemp = 35;
  double tempStep = 0.5;
  std::vector<std::string> modes;
  // sensor
  std::string unit;
  // Needs the user's live PIN2 authority to command (locks always; others when announced with
  // "hp_sensitive": true).
  bool sensitive = false;

  // Every topic the wing subscribes to for this appliance.
  std::vector<std::string> watchedTopics() const;
};

// The parts of a discovery topic, or nullopt if it is not one (wrong shape, unknown component,
// an ID with characters other than [A-Za-z0-9_-], too long).
struct DiscoveryTopic {
  ApplianceKind kind;
  std::string id;  // object_id or node_id/object_id
};
std::optional<DiscoveryTopic> parseDiscoveryTopic(std::string_view topic);

// The schema the announcement describes, or why it is refused. Abbreviated keys (cmd_t, stat_t,
// avty_t, ...) and the "~" base topic are expanded as Home Assistant does.
Result<ApplianceSchema> parseDiscovery(std::string_view topic, std::string_view payload);

// JSON from the bus, or nothing: at most kMaxDiscoveryPayload bytes, nested at most maxDepth
// deep (checked before jsoncpp sees it: its own stack limit throws), no duplicate keys, nothing
// after the value. Never throws.
std::optional<Json::Value> parseBusJson(std::string_view text, int maxDepth);

// A topic the wing may subscribe to or publish on: 1..kMaxTopic printable characters, no
// wildcards (+ #), no NUL.
bool validConcreteTopic(std::string_view topic);

}  // namespace hp::home_server
