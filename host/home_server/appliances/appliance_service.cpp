#include "host/home_server/appliances/appliance_service.hpp"

#include <cstdio>

namespace hp::home_server {

namespace {

// A value as logged: what the user typed, cut and with anything unprintable replaced (it is
// untrusted text going into a log line).
std::string loggable(const std::string& text) {
  std::string out;
  for (const char c : text.substr(0, 64)) out += (c >= ' ' && c <= '~') ? c : '?';
  return out;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

std::string describeOffers(const ApplianceSchema& schema) {
  switch (schema.kind) {
    case ApplianceKind::kSwitch:
      return "on, off";
    case ApplianceKind::kLight:
      return schema.brightness ? "on, off, 0-100 (%)" : "on, off";
    case ApplianceKind::kLock:
      return "lock, unlock";
    case ApplianceKind::kSensor:
      return "-";
    case ApplianceKind::kClimate: {
      std::string text;
      if (!schema.temperatureCommandTopic.empty()) {
        text = number(schema.minTemp) + "-" + number(schema.maxTemp) + " step " +
               number(schema.tempStep);
      }
      for (const std::string& mode : schema.modes) text += (text.empty() ? "" : ", ") + mode;
      return text;
    }
  }
  return "-";
}

Result<ApplianceView, protocol::rpc::RpcError> ApplianceService::state(
    const std::string& name) const {
  auto view = parts_.registry->find(name);
  if (!view)
    return protocol::rpc::makeRpcError(protocol::rpc::code::kNotFound,
                                       "no appliance \"" + loggable(name) + "\"");
  if (!brokerUp()) view->state.online = false;
  return *view;
}

void ApplianceService::logCommand(const std::string& terminal, const std::string& name,
                                  const std::string& value, const std::string& outcome) const {
  parts_.log->info("appliance command: terminal=" + loggable(terminal) + " appliance=" +
                   loggable(name) + " value=\"" + loggable(value) + "\" outcome=" + outcome);
}

Result<SetOutcome, protocol::rpc::RpcError> ApplianceService::set(const std::string& terminal,
                                                                  const std::string& name,
                                                                  const std::string& value) {
  auto view = parts_.registry->find(name);
  if (!view) {
    logCommand(terminal, name, value, "not_found");
    return protocol::rpc::makeRpcError(protocol::rpc::code::kNotFound,
                                       "no appliance \"" + loggable(name) + "\"");
  }
  auto command = planCommand(view->schema, value);
  if (!command) {
    logCommand(terminal, name, value, command.error().code);
    return command.error();
  }
  if (view->schema.sensitive && parts_.admitPin2) {
    if (auto admitted = parts_.admitPin2(terminal); !admitted) {
      logCommand(terminal, name, value, admitted.error().code);
      return admitted.error();
    }
  }
  const bool lock = view->schema.kind == ApplianceKind::kLock;
  auto finish = [&](const std::string& outcome, const ApplianceView& last) {
    logCommand(terminal, name, command->described, outcome);
    if (lock && parts_.onLockChange) parts_.onLockChange(terminal, name, value, outcome);
    return SetOutcome{command->described, outcome, describeState(last)};
  };
  if (!brokerUp() || !view->state.online) return finish("offline", *view);
  if (auto sent = parts_.publish(command->topic, command->payload); !sent) {
    parts_.log->warn("appliances: " + sent.error().message);
    return finish("offline", *view);
  }
  // Confirmed only by a message that came after the command (a lamp already on must still
  // answer): the registry counts every state message.
  const uint64_t before = view->state.updates;
  const auto confirmed = [&command, before](const ApplianceState& seen) {
    return seen.updates > before && command->confirmed(seen);
  };
  auto last = parts_.registry->waitFor(
      name,
      [&confirmed](const ApplianceView& seen) {
        return !seen.state.online || confirmed(seen.state);
      },
      parts_.confirmTimeout);
  if (!last) return finish("not_confirmed", *view);  // removed while we waited
  if (confirmed(last->state)) return finish("confirmed", *last);
  if (!last->state.online) return finish("offline", *last);
  return finish("not_confirmed", *last);
}

}  // namespace hp::home_server
