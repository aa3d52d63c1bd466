#include "tools/appliance_sim/sim_devices.hpp"

#include <json/json.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace sim {

namespace {

std::string compact(const Json::Value& value) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  return Json::writeString(builder, value);
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string component(const std::string& kind) {
  return kind;  // the kinds are Home Assistant's component names
}

}  // namespace

Device::Device(std::string kind, std::string name)
    : kind_(std::move(kind)), name_(std::move(name)) {}

std::string Device::discoveryTopic() const {
  return "homeassistant/" + component(kind_) + "/" + name_ + "/config";
}

std::string Device::discoveryConfig() const {
  Json::Value config(Json::objectValue);
  config["name"] = name_;
  config["unique_id"] = "hp-sim-" + name_;
  // The "~" base and abbreviated keys, as real devices send them.
  config["~"] = root();
  config["avty_t"] = "~/availability";
  if (kind_ == "climate") {
    config["temp_cmd_t"] = "~/temperature/set";
    config["temp_stat_t"] = "~/temperature/state";
    config["mode_cmd_t"] = "~/mode/set";
    config["mode_stat_t"] = "~/mode/state";
    config["min_temp"] = 5;
    config["max_temp"] = 30;
    config["temp_step"] = 0.5;
    Json::Value modes(Json::arrayValue);
    for (const char* mode : {"off", "heat", "auto"}) modes.append(mode);
    config["modes"] = modes;
    return compact(config);
  }
  config["stat_t"] = "~/state";
  if (kind_ == "sensor") {
    config["unit_of_meas"] =
        "\xC2\xB0"
        "C";
    config["device_class"] = "temperature";
    return compact(config);
  }
  config["cmd_t"] = "~/set";
  if (kind_ == "light") {
    config["schema"] = "json";
    config["brightness"] = true;
  }
  return compact(config);
}

std::vector<std::string> Device::commandTopics() const {
  if (kind_ == "sensor") return {};
  if (kind_ == "climate") return {root() + "/temperature/set", root() + "/mode/set"};
  return {root() + "/set"};
}

Messages Device::states() const {
  if (kind_ == "climate") {
    return {{root() + "/temperature/state", number(target_)}, {root() + "/mode/state", mode_}};
  }
  if (kind_ == "sensor") return {{root() + "/state", "20.5"}};
  if (kind_ == "lock") return {{root() + "/state", locked_ ? "LOCKED" : "UNLOCKED"}};
  if (kind_ == "light") {
    Json::Value state(Json::objectValue);
    state["state"] = on_ ? "ON" : "OFF";
    state["brightness"] = brightness_;
    return {{root() + "/state", compact(state)}};
  }
  return {{root() + "/state", on_ ? "ON" : "OFF"}};
}

Messages Device::command(const std::string& topic, const std::string& payload) {
  if (kind_ == "climate") {
    if (topic == root() + "/temperature/set") {
      char* end = nullptr;
      const double value = std::strtod(payload.c_str(), &end);
      if (end == payload.c_str() || value < 5 || value > 30) return {};
      target_ = value;
    } else if (payload == "off" || payload == "heat" || payload == "auto") {
      mode_ = payload;
    } else {
      return {};
    }
  } else if (kind_ == "lock") {
    if (payload != "LOCK" && payload != "UNLOCK") return {};
    locked_ = payload == "LOCK";
  } else if (kind_ == "light") {
    Json::CharReaderBuilder builder;
    std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
    Json::Value body;
    std::string errors;
    if (!reader->parse(payload.data(), payload.data() + payload.size(), &body, &errors) ||
        !body.isObject()) {
      return {};
    }
    if (body["state"].isString()) on_ = body["state"].asString() == "ON";
    if (body["brightness"].isInt()) brightness_ = body["brightness"].asInt();
  } else {
    if (payload != "ON" && payload != "OFF") return {};
    on_ = payload == "ON";
  }
  return states();
}

std::pair<std::string, std::string> hostileAnnouncement(int i) {
  const std::string id = "evil" + std::to_string(i);
  switch (i % 8) {
    case 0:
      return {"homeassistant/switch/" + id + "/config", "{\"cmd_t\": \"x\", "};  // cut short
    case 1:
      return {"homeassistant/switch/" + id + "/config", std::string(8000, '[')};
    case 2:
      return {"homeassistant/switch/" + id + "/config",
              "{\"name\":\"" + std::string(5000, 'A') + "\",\"cmd_t\":\"a/b\"}"};
    case 3:
      return {"homeassistant/light/" + id + "/config", "{\"cmd_t\":\"hp/#\",\"stat_t\":\"+\"}"};
    case 4:
      return {"homeassistant/climate/" + id + "/config",
              "{\"temp_cmd_t\":\"t/s\",\"min_temp\":30,\"max_temp\":5,\"temp_step\":-1}"};
    case 5:
      return {"homeassistant/switch/" + id + "/config", "[1,2,3]"};
    case 6:
      return {"homeassistant/unknown_thing/" + id + "/config", "{}"};
    default:
      // Well-formed: these are the ones that fill the registry up to its cap.
      return {"homeassistant/switch/" + id + "/config",
              "{\"cmd_t\":\"flood/" + id + "/set\",\"stat_t\":\"flood/" + id + "/state\"}"};
  }
}

}  // namespace sim
