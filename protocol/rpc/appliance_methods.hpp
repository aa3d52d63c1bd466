// appliance.*: the home's appliances (docs/appliances.md), as the home server discovered them on
// its MQTT bus. Reads need the channel only; appliance.set needs an unlocked access card, and
// for a lock or an appliance announced as sensitive the caller's live PIN2 authority too (the
// server checks that per appliance, so the method's own rule is "terminal").
#pragma once

#include <vector>

#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

inline constexpr size_t kMaxApplianceName = 65;  // node_id/object_id, 32 each
inline constexpr size_t kMaxApplianceValue = 64;

// One appliance as the methods show it.
struct ApplianceInfo {
  static constexpr std::array<std::string_view, 7> kFields{
      "name", "kind", "display_name", "online", "state", "offers", "sensitive"};
  std::string name;         // what `terminal appliance NAME` takes
  std::string kind;         // switch | light | lock | climate | sensor
  std::string displayName;  // the device's own name
  bool online = false;      // its availability, and the broker reachable
  std::string state;        // in words: "ON 40%", "LOCKED", "heat 21.5", "20.5 °C", "-"
  std::string offers;       // what appliance.set takes: "on, off, 0-100 (%)", ...
  bool sensitive = false;   // a set needs PIN2
  Json::Value toJson() const;
  static RpcResult<ApplianceInfo> fromJson(const Json::Value& json);
};

struct ApplianceList {
  static constexpr std::string_view kName = "appliance.list";
  static constexpr std::string_view kFamily = "appliance";
  static constexpr Access kAccess = Access::kTerminal;
  using Params = NoParams;
  struct Result {
    static constexpr std::array<std::string_view, 2> kFields{"broker", "appliances"};
    using Item = ApplianceInfo;
    std::vector<ApplianceInfo> appliances;
    bool broker = false;  // the home server is connected to the appliance broker
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

struct ApplianceNameParams {
  static constexpr std::array<std::string_view, 1> kFields{"name"};
  std::string name;
  Json::Value toJson() const;
  static RpcResult<ApplianceNameParams> fromJson(const Json::Value& params);
};

struct ApplianceStateMethod {
  static constexpr std::string_view kName = "appliance.state";
  static constexpr std::string_view kFamily = "appliance";
  static constexpr Access kAccess = Access::kTerminal;
  using Params = ApplianceNameParams;
  using Result = ApplianceInfo;
};

// Sets `value` ("on", "off", "lock", "unlock", a number, a mode) on appliance `name`, checked
// against its schema, and waits for the device's state echo. `outcome`: "confirmed",
// "not_confirmed" (no matching echo within the server's timeout) or "offline" (the device's
// last will said so, or the broker is unreachable: nothing was sent).
struct ApplianceSet {
  static constexpr std::string_view kName = "appliance.set";
  static constexpr std::string_view kFamily = "appliance";
  static constexpr Access kAccess = Access::kTerminal;
  struct Params {
    static constexpr std::array<std::string_view, 2> kFields{"name", "value"};
    std::string name;
    std::string value;
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 4> kFields{"name", "value", "outcome", "state"};
    std::string name;
    std::string value;    // as the server understood it ("brightness 40%")
    std::string outcome;  // confirmed | not_confirmed | offline
    std::string state;    // the last state seen, in words
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

}  // namespace hp::protocol::rpc
