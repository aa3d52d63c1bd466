// The appliance wing's logic behind the RPC methods: list, state, and set = check against the
// schema, publish, wait for the device's state echo. Every set is logged on the home server
// (time, terminal, appliance, value, outcome); lock changes are also handed to onLockChange
// (the lock notices). Thread-safe: the registry holds the state, the link queues the publish.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "host/home_server/appliances/appliance_commands.hpp"
#include "host/home_server/appliances/appliance_registry.hpp"
#include "host/home_server/core/server_log.hpp"

namespace hp::home_server {

struct SetOutcome {
  std::string value;    // as understood ("brightness 40%")
  std::string outcome;  // confirmed | not_confirmed | offline
  std::string state;    // in words
};

struct ApplianceServiceParts {
  ApplianceRegistry* registry = nullptr;
  ServerLog* log = nullptr;
  std::function<Result<void>(const std::string& topic, const std::string& payload)> publish;
  std::function<bool()> brokerUp;
  // Before a set of a lock or sensitive appliance: the caller's live PIN2 authority.
  std::function<Result<void, protocol::rpc::RpcError>(const std::string& terminal)> admitPin2;
  // A lock's set was answered (any outcome): the lock notice.
  std::function<void(const std::string& terminal, const std::string& appliance,
                     const std::string& value, const std::string& outcome)>
      onLockChange;
  std::chrono::milliseconds confirmTimeout{3000};
};

class ApplianceService {
 public:
  explicit ApplianceService(ApplianceServiceParts parts) : parts_(std::move(parts)) {}

  std::vector<ApplianceView> list() const { return parts_.registry->list(); }
  Result<ApplianceView, protocol::rpc::RpcError> state(const std::string& name) const;
  Result<SetOutcome, protocol::rpc::RpcError> set(const std::string& terminal,
                                                  const std::string& name,
                                                  const std::string& value);
  bool brokerUp() const { return parts_.brokerUp && parts_.brokerUp(); }

 private:
  void logCommand(const std::string& terminal, const std::string& name, const std::string& value,
                  const std::string& outcome) const;
  ApplianceServiceParts parts_;
};

// What appliance.set takes for this appliance, in words ("on, off, 0-100 (%)").
std::string describeOffers(const ApplianceSchema& schema);

}  // namespace hp::home_server
