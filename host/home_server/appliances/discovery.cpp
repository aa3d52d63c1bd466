#include "host/home_server/appliances/discovery.hpp"

#include <json/json.h>

#include <cmath>
#include <map>
#include <memory>

namespace hp::home_server {

namespace {

bool idChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool validIdPart(std::string_view part) {
  if (part.empty() || part.size() > 32) return false;
  for (const char c : part) {
    if (!idChar(c)) return false;
  }
  return true;
}

std::optional<ApplianceKind> kindNamed(std::string_view name) {
  if (name == "switch") return ApplianceKind::kSwitch;
  if (name == "light") return ApplianceKind::kLight;
  if (name == "lock") return ApplianceKind::kLock;
  if (name == "climate") return ApplianceKind::kClimate;
  if (name == "sensor") return ApplianceKind::kSensor;
  return std::nullopt;
}

// Home Assistant's abbreviations for the keys read here (devices with little memory, Tasmota,
// send only these).
const std::map<std::string, std::string>& abbreviations() {
  static const std::map<std::string, std::string> kAbbreviations{
      {"cmd_t", "command_topic"},
      {"stat_t", "state_topic"},
      {"avty_t", "availability_topic"},
      {"pl_avail", "payload_available"},
      {"pl_not_avail", "payload_not_available"},
      {"pl_on", "payload_on"},
      {"pl_off", "payload_off"},
      {"stat_on", "state_on"},
      {"stat_off", "state_off"},
      {"pl_lock", "payload_lock"},
      {"pl_unlk", "payload_unlock"},
      {"stat_locked", "state_locked"},
      {"stat_unlocked", "state_unlocked"},
      {"bri_cmd_t", "brightness_command_topic"},
      {"bri_stat_t", "brightness_state_topic"},
      {"bri_scl", "brightness_scale"},
      {"bri", "brightness"},
      {"temp_cmd_t", "temperature_command_topic"},
      {"temp_stat_t", "temperature_state_topic"},
      {"mode_cmd_t", "mode_command_topic"},
      {"mode_stat_t", "mode_state_topic"},
      {"unit_of_meas", "unit_of_measurement"},
      {"uniq_id", "unique_id"},
  };
  return kAbbreviations;
}

// The config with abbreviations expanded (a full key wins over its abbreviation).
Json::Value expanded(const Json::Value& config) {
  Json::Value out(Json::objectValue);
  for (const std::string& key : config.getMemberNames()) {
    auto found = abbreviations().find(key);
    const std::string& full = found == abbreviations().end() ? key : found->second;
    if (found != abbreviations().end() && full != key && config.isMember(full)) continue;
    out[full] = config[key];
  }
  return out;
}

struct Reader {
  const Json::Value& config;
  std::string base;  // "~"
  std::string error;

  // A string member (absent: `fallback`); too long or not a string is an error.
  std::string text(const char* key, const std::string& fallback, size_t max = kMaxField) {
    if (!config.isMember(key)) return fallback;
    const Json::Value& value = config[key];
    if (!value.isString() || value.asString().size() > max) {
      if (error.empty()) error = std::string(key) + " is not a short string";
      return fallback;
    }
    return value.asString();
  }
  // A topic member, "~" expanded at either end as Home Assistant does.
  std::string topic(const char* key, bool required) {
    std::string value = text(key, "", kMaxTopic);
    if (value.empty()) {
      if (required && error.empty()) error = std::string(key) + " is missing";
      return value;
    }
    if (!base.empty()) {
      if (value.front() == '~') {
        value = base + value.substr(1);
      } else if (value.back() == '~') {
        value = value.substr(0, value.size() - 1) + base;
      }
    }
    if (!validConcreteTopic(value) && error.empty()) error = std::string(key) + " is not a topic";
    return value;
  }
  double number(const char* key, double fallback) {
    if (!config.isMember(key)) return fallback;
    const Json::Value& value = config[key];
    if (!value.isNumeric() || !std::isfinite(value.asDouble()) ||
        std::fabs(value.asDouble()) > 1e6) {
      if (error.empty()) error = std::string(key) + " is not a number";
      return fallback;
    }
    return value.asDouble();
  }
  bool flag(const char* key) {
    if (!config.isMember(key)) return false;
    if (!config[key].isBool()) {
      if (error.empty()) error = std::string(key) + " is not true or false";
      return false;
    }
    return config[key].asBool();
  }
};

Result<Json::Value> parseObject(std::string_view payload) {
  if (payload.size() > kMaxDiscoveryPayload) return makeError("config larger than 4096 bytes");
  // Announcements are flat (an "availability" list of objects at most): a deep nest is an attack.
  auto root = parseBusJson(payload, 4);
  if (!root) return makeError("config is not JSON (or nested too deep)");
  if (!root->isObject()) return makeError("config is not a JSON object");
  if (root->size() > 64) return makeError("config has more than 64 members");
  return *root;
}

// The availability topic: availability_topic, or the first of an "availability" list.
void readAvailability(Reader& read, ApplianceSchema& schema) {
  schema.availabilityTopic = read.topic("availability_topic", false);
  const Json::Value& list = read.config["availability"];
  if (schema.availabilityTopic.empty() && list.isArray() && !list.empty() && list[0].isObject()) {
    Reader inner{expanded(list[0]), read.base, ""};
    schema.availabilityTopic = inner.topic("topic", false);
    if (!inner.error.empty() && read.error.empty()) read.error = "availability: " + inner.error;
  }
  schema.payloadAvailable = read.text("payload_available", "online");
  schema.payloadNotAvailable = read.text("payload_not_available", "offline");
}

void readSwitchLike(Reader& read, ApplianceSchema& schema) {
  schema.commandTopic = read.topic("command_topic", true);
  schema.stateTopic = read.topic("state_topic", false);
  schema.payloadOn = read.text("payload_on", "ON");
  schema.payloadOff = read.text("payload_off", "OFF");
  schema.stateOn = read.text("state_on", schema.payloadOn);
  schema.stateOff = read.text("state_off", schema.payloadOff);
}

void readLight(Reader& read, ApplianceSchema& schema) {
  readSwitchLike(read, schema);
  const std::string lightSchema = read.text("schema", "default");
  if (lightSchema != "default" && lightSchema != "basic" && lightSchema != "json") {
    if (read.error.empty()) read.error = "light schema " + lightSchema + " is not supported";
  }
  schema.jsonSchema = lightSchema == "json";
  if (schema.jsonSchema) {
    schema.brightness = read.flag("brightness");
  } else {
    schema.brightnessCommandTopic = read.topic("brightness_command_topic", false);
    schema.brightnessStateTopic = read.topic("brightness_state_topic", false);
    schema.brightness = !schema.brightnessCommandTopic.empty();
  }
  const double scale = read.number("brightness_scale", 255);
  if (scale < 1 || scale > 100000 || scale != std::floor(scale)) {
    if (read.error.empty()) read.error = "brightness_scale is 1..100000";
  } else {
    schema.brightnessScale = static_cast<int>(scale);
  }
}

void readLock(Reader& read, ApplianceSchema& schema) {
  schema.commandTopic = read.topic("command_topic", true);
  schema.stateTopic = read.topic("state_topic", false);
  schema.payloadLock = read.text("payload_lock", "LOCK");
  schema.payloadUnlock = read.text("payload_unlock", "UNLOCK");
  schema.stateLocked = read.text("state_locked", "LOCKED");
  schema.stateUnlocked = read.text("state_unlocked", "UNLOCKED");
  schema.sensitive = true;  // a door: always the user's PIN2
}

void readClimate(Reader& read, ApplianceSchema& schema) {
  schema.temperatureCommandTopic = read.topic("temperature_command_topic", false);
  schema.temperatureStateTopic = read.topic("temperature_state_topic", false);
  schema.modeCommandTopic = read.topic("mode_command_topic", false);
  schema.modeStateTopic = read.topic("mode_state_topic", false);
  schema.minTemp = read.number("min_temp", 7);
  schema.maxTemp = read.number("max_temp", 35);
  schema.tempStep = read.number("temp_step", 0.5);
  if (schema.minTemp > schema.maxTemp || schema.tempStep <= 0 || schema.tempStep > 100) {
    if (read.error.empty()) read.error = "min_temp, max_temp and temp_step do not fit";
  }
  if (schema.temperatureCommandTopic.empty() && schema.modeCommandTopic.empty() &&
      read.error.empty()) {
    read.error = "a climate needs temperature_command_topic or mode_command_topic";
  }
  const Json::Value& modes = read.config["modes"];
  if (read.config.isMember("modes")) {
    if (!modes.isArray() || modes.size() > kMaxModes) {
      if (read.error.empty()) read.error = "modes is a list of at most 16";
      return;
    }
    for (const Json::Value& mode : modes) {
      if (!mode.isString() || mode.asString().empty() || mode.asString().size() > kMaxField) {
        if (read.error.empty()) read.error = "modes holds a bad mode";
        return;
      }
      schema.modes.push_back(mode.asString());
    }
  } else if (!schema.modeCommandTopic.empty()) {
    schema.modes = {"auto", "off", "cool", "heat", "dry", "fan_only"};  // Home Assistant's default
  }
}

}  // namespace

std::string_view kindName(ApplianceKind kind) {
  switch (kind) {
    case ApplianceKind::kSwitch:
      return "switch";
    case ApplianceKind::kLight:
      return "light";
    case ApplianceKind::kLock:
      return "lock";
    case ApplianceKind::kClimate:
      return "climate";
    case ApplianceKind::kSensor:
      return "sensor";
  }
  return "unknown";
}

std::optional<Json::Value> parseBusJson(std::string_view text, int maxDepth) {
  if (text.size() > kMaxDiscoveryPayload) return std::nullopt;
  int depth = 0;
  bool inString = false, escaped = false;
  for (const char c : text) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) return std::nullopt;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  Json::CharReaderBuilder builder;
  builder["collectComments"] = false;
  builder["allowComments"] = false;
  builder["strictRoot"] = true;
  builder["rejectDupKeys"] = true;
  builder["failIfExtra"] = true;
  builder["stackLimit"] = maxDepth + 2;
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  Json::Value root;
  std::string errors;
  try {
    if (!reader->parse(text.data(), text.data() + text.size(), &root, &errors)) return std::nullopt;
  } catch (const std::exception&) {  // jsoncpp's limits throw; nothing from the bus may
    return std::nullopt;
  }
  return root;
}

bool validConcreteTopic(std::string_view topic) {
  if (topic.empty() || topic.size() > kMaxTopic) return false;
  for (const char c : topic) {
    if (c < ' ' || c > '~' || c == '+' || c == '#') return false;
  }
  return true;
}

std::vector<std::string> ApplianceSchema::watchedTopics() const {
  std::vector<std::string> topics;
  for (const std::string* topic : {&stateTopic, &availabilityTopic, &brightnessStateTopic,
                                   &temperatureStateTopic, &modeStateTopic}) {
    if (!topic->empty()) topics.push_back(*topic);
  }
  return topics;
}

std::optional<DiscoveryTopic> parseDiscoveryTopic(std::string_view topic) {
  if (topic.size() > kMaxTopic) return std::nullopt;
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = topic.find('/', start);
    parts.push_back(
        topic.substr(start, slash == std::string_view::npos ? topic.npos : slash - start));
    if (slash == std::string_view::npos || parts.size() > 5) break;
    start = slash + 1;
  }
  if (parts.size() != 4 && parts.size() != 5) return std::nullopt;
  if (parts.front() != "homeassistant" || parts.back() != "config") return std::nullopt;
  auto kind = kindNamed(parts[1]);
  if (!kind) return std::nullopt;
  for (size_t i = 2; i + 1 < parts.size(); ++i) {
    if (!validIdPart(parts[i])) return std::nullopt;
  }
  std::string id(parts[2]);
  if (parts.size() == 5) id += "/" + std::string(parts[3]);
  return DiscoveryTopic{*kind, id};
}

Result<ApplianceSchema> parseDiscovery(std::string_view topic, std::string_view payload) {
  auto where = parseDiscoveryTopic(topic);
  if (!where) return makeError("not a discovery topic of a supported component");
  auto object = parseObject(payload);
  if (!object) return object.error();
  const Json::Value config = expanded(*object);
  Reader read{config, "", ""};
  read.base = read.text("~", "", kMaxTopic);
  ApplianceSchema schema;
  schema.id = where->id;
  schema.kind = where->kind;
  schema.discoveryTopic = std::string(topic);
  schema.displayName = read.text("name", schema.id);
  readAvailability(read, schema);
  switch (schema.kind) {
    case ApplianceKind::kSwitch:
      readSwitchLike(read, schema);
      break;
    case ApplianceKind::kLight:
      readLight(read, schema);
      break;
    case ApplianceKind::kLock:
      readLock(read, schema);
      break;
    case ApplianceKind::kClimate:
      readClimate(read, schema);
      break;
    case ApplianceKind::kSensor:
      schema.stateTopic = read.topic("state_topic", true);
      schema.unit = read.text("unit_of_measurement", "");
      break;
  }
  if (read.flag("hp_sensitive")) schema.sensitive = true;
  if (!read.error.empty()) return makeError(read.error);
  return schema;
}

}  // namespace hp::home_server
