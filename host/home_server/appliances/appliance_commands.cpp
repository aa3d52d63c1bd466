#include "host/home_server/appliances/appliance_commands.hpp"

#include <json/json.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hp::home_server {

namespace {

std::string compact(const Json::Value& value) {
  Json::StreamWriterBuilder builder;
  builder["indentation"] = "";
  return Json::writeString(builder, value);
}

protocol::rpc::RpcError refused(const char* code, const std::string& message) {
  return protocol::rpc::makeRpcError(code, message);
}

// A plain decimal number ("40", "21.5", "-3"), nothing else.
std::optional<double> decimalValue(const std::string& text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-')) return std::nullopt;
  }
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

Result<ApplianceCommand, protocol::rpc::RpcError> onOff(const ApplianceSchema& schema, bool on) {
  ApplianceCommand command;
  command.topic = schema.commandTopic;
  command.described = on ? "on" : "off";
  const std::string want = on ? schema.stateOn : schema.stateOff;
  if (schema.kind == ApplianceKind::kLight && schema.jsonSchema) {
    Json::Value body(Json::objectValue);
    body["state"] = on ? "ON" : "OFF";
    command.payload = compact(body);
    command.confirmed = [on](const ApplianceState& s) { return s.state == (on ? "ON" : "OFF"); };
  } else {
    command.payload = on ? schema.payloadOn : schema.payloadOff;
    command.confirmed = [want](const ApplianceState& s) { return s.state == want; };
  }
  return command;
}

// A light's brightness in percent (0-100, whole), sent in the device's scale.
Result<ApplianceCommand, protocol::rpc::RpcError> brightness(const ApplianceSchema& schema,
                                                             double percent) {
  if (!schema.brightness) return refused(appliance_code::kNotOffered, schema.id + " has no dimmer");
  if (percent < 0 || percent > 100 || percent != std::floor(percent)) {
    return refused(appliance_code::kOutOfRange, "brightness is 0 to 100 (%)");
  }
  const int level = static_cast<int>(std::lround(percent * schema.brightnessScale / 100.0));
  ApplianceCommand command;
  command.described = "brightness " + number(percent) + "%";
  command.confirmed = [level](const ApplianceState& s) {
    return s.brightness && std::abs(*s.brightness - level) <= 1;
  };
  if (schema.jsonSchema) {
    Json::Value body(Json::objectValue);
    body["state"] = level > 0 ? "ON" : "OFF";
    body["brightness"] = level;
    command.topic = schema.commandTopic;
    command.payload = compact(body);
  } else {
    command.topic = schema.brightnessCommandTopic;
    command.payload = std::to_string(level);
  }
  return command;
}

Result<ApplianceCommand, protocol::rpc::RpcError> climate(const ApplianceSchema& schema,
                                                          const std::string& value) {
  ApplianceCommand command;
  if (auto target = decimalValue(value)) {
    if (schema.temperatureCommandTopic.empty()) {
      return refused(appliance_code::kNotOffered, schema.id + " takes no target temperature");
    }
    if (*target < schema.minTemp || *target > schema.maxTemp) {
      return refused(
          appliance_code::kOutOfRange,
          "target temperature is " + number(schema.minTemp) + " to " + number(schema.maxTemp));
    }
    const double steps = (*target - schema.minTemp) / schema.tempStep;
    if (std::fabs(steps - std::round(steps)) > 1e-6) {
      return refused(appliance_code::kOutOfRange,
                     "target temperature goes in steps of " + number(schema.tempStep));
    }
    const double wanted = *target;
    command.topic = schema.temperatureCommandTopic;
    command.payload = number(wanted);
    command.described = "target " + number(wanted);
    command.confirmed = [wanted](const ApplianceState& s) {
      return s.targetTemperature && std::fabs(*s.targetTemperature - wanted) < 1e-6;
    };
    return command;
  }
  if (schema.modeCommandTopic.empty() ||
      std::find(schema.modes.begin(), schema.modes.end(), value) == schema.modes.end()) {
    return refused(appliance_code::kNotOffered,
                   "\"" + value + "\" is not a mode " + schema.id + " offers");
  }
  command.topic = schema.modeCommandTopic;
  command.payload = value;
  command.described = "mode " + value;
  command.confirmed = [value](const ApplianceState& s) { return s.mode == value; };
  return command;
}

}  // namespace

Result<ApplianceCommand, protocol::rpc::RpcError> planCommand(const ApplianceSchema& schema,
                                                              const std::string& value) {
  switch (schema.kind) {
    case ApplianceKind::kSensor:
      return refused(appliance_code::kReadOnly, schema.id + " is a sensor: it can only be read");
    case ApplianceKind::kSwitch:
      if (value == "on" || value == "off") return onOff(schema, value == "on");
      break;
    case ApplianceKind::kLight:
      if (value == "on" || value == "off") return onOff(schema, value == "on");
      if (auto percent = decimalValue(value)) return brightness(schema, *percent);
      break;
    case ApplianceKind::kLock:
      if (value == "lock" || value == "unlock") {
        const bool lock = value == "lock";
        const std::string want = lock ? schema.stateLocked : schema.stateUnlocked;
        ApplianceCommand command{schema.commandTopic,
                                 lock ? schema.payloadLock : schema.payloadUnlock, value,
                                 [want](const ApplianceState& s) { return s.state == want; }};
        return command;
      }
      break;
    case ApplianceKind::kClimate:
      return climate(schema, value);
  }
  return refused(appliance_code::kNotOffered, "\"" + value + "\" is not offered by " + schema.id +
                                                  " (" + std::string(kindName(schema.kind)) + ")");
}

std::string describeState(const ApplianceView& view) {
  const ApplianceState& state = view.state;
  std::string text;
  switch (view.schema.kind) {
    case ApplianceKind::kClimate:
      text = state.mode.empty() ? "-" : state.mode;
      if (state.targetTemperature) text += " " + number(*state.targetTemperature);
      return text;
    case ApplianceKind::kSensor:
      if (state.state.empty()) return "-";
      return state.state + (view.schema.unit.empty() ? "" : " " + view.schema.unit);
    case ApplianceKind::kLight:
      text = state.state.empty() ? "-" : state.state;
      if (state.brightness && view.schema.brightnessScale > 0) {
        text += " " +
                std::to_string(static_cast<int>(
                    std::lround(*state.brightness * 100.0 / view.schema.brightnessScale))) +
                "%";
      }
      return text;
    default:
      return state.state.empty() ? "-" : state.state;
  }
}

}  // namespace hp::home_server
