// card.*: the home card's state and PIN2 authority (docs/rpc.md). The PIN2 grant is the calling
// terminal's alone; card.finish ends it.
#pragma once

#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

// The home card's life cycle, security state and PIN try counters.
struct CardStatus {
  static constexpr std::string_view kName = "card.status";
  static constexpr std::string_view kFamily = "card";
  static constexpr Access kAccess = Access::kTerminal;
  using Params = NoParams;
  struct Result {
    static constexpr std::array<std::string_view, 4> kFields{"lifecycle", "state",
                                                             "pin1_tries_left", "pin2_tries_left"};
    std::string lifecycle;  // "personalization" | "operational" | ...
    std::string state;      // "inhibited" | "standby" | "crypto"
    int pin1TriesLeft = 0;
    int pin2TriesLeft = 0;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// The answer of a PIN presentation or of card.finish: the card's security state after it.
struct CardState {
  static constexpr std::array<std::string_view, 1> kFields{"state"};
  std::string state;
  Json::Value toJson() const;
  static RpcResult<CardState> fromJson(const Json::Value& result);
};

// A PIN (4 to 8 digits; the format rule is the card's and checked by the server). Its bytes are
// wiped when the params go.
struct PinParams {
  static constexpr std::array<std::string_view, 1> kFields{"pin"};
  static constexpr bool kSecret = true;
  std::string pin;
  ~PinParams() { secureWipe(pin.data(), pin.size()); }
  Json::Value toJson() const;
  static RpcResult<PinParams> fromJson(const Json::Value& params);
};

// Presents PIN2: the caller gets PIN2 authority. Errors pin_wrong / pin_blocked carry
// {"tries_left"}; pin1_required while the card still waits for PIN1.
struct CardPin2 {
  static constexpr std::string_view kName = "card.pin2";
  static constexpr std::string_view kFamily = "card";
  static constexpr Access kAccess = Access::kTerminal;
  using Params = PinParams;
  using Result = CardState;
};

// Ends the caller's PIN2 authority (and its sessions).
struct CardFinish {
  static constexpr std::string_view kName = "card.finish";
  static constexpr std::string_view kFamily = "card";
  static constexpr Access kAccess = Access::kTerminal;
  using Params = NoParams;
  using Result = CardState;
};

}  // namespace hp::protocol::rpc
