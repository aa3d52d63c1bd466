// From what a user typed ("on", "off", "40", "heat", "lock") to what goes on the bus, checked
// against the appliance's discovered schema (payloads, min/max, step, modes), and how its
// state echo is recognised. Pure: the service publishes and waits; tests call this directly.
#pragma once

#include <functional>
#include <string>

#include "host/home_server/appliances/appliance_registry.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::home_server {

// Stable RPC error codes of appliance.set (docs/rpc.md).
namespace appliance_code {
inline constexpr const char* kReadOnly = "read_only";
inline constexpr const char* kOutOfRange = "out_of_range";
inline constexpr const char* kNotOffered = "not_offered";
}  // namespace appliance_code

struct ApplianceCommand {
  std::string topic;
  std::string payload;
  std::string described;  // the value as logged and answered ("brightness 40%", "heat")
  // The state echo that confirms it.
  std::function<bool(const ApplianceState&)> confirmed;
};

// The command for `value` on this appliance, or why not (not_offered, out_of_range,
// read_only: rpc::RpcError with those codes).
Result<ApplianceCommand, protocol::rpc::RpcError> planCommand(const ApplianceSchema& schema,
                                                              const std::string& value);

// The state in words for lists: "ON 40%", "LOCKED", "21.5 °C", "heat 21.5".
std::string describeState(const ApplianceView& view);

}  // namespace hp::home_server
