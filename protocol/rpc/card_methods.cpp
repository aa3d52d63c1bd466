#include "protocol/rpc/card_methods.hpp"

namespace hp::protocol::rpc {

Json::Value CardStatus::Result::toJson() const {
  Json::Value json;
  json["lifecycle"] = lifecycle;
  json["state"] = state;
  json["pin1_tries_left"] = pin1TriesLeft;
  json["pin2_tries_left"] = pin2TriesLeft;
  return json;
}

RpcResult<CardStatus::Result> CardStatus::Result::fromJson(const Json::Value& json) {
  auto lifecycle = resultString(json, "lifecycle");
  if (!lifecycle) return lifecycle.error();
  auto state = resultString(json, "state");
  if (!state) return state.error();
  auto pin1 = resultInt(json, "pin1_tries_left");
  if (!pin1) return pin1.error();
  auto pin2 = resultInt(json, "pin2_tries_left");
  if (!pin2) return pin2.error();
  return Result{*lifecycle, *state, *pin1, *pin2};
}

Json::Value CardState::toJson() const {
  Json::Value json;
  json["state"] = state;
  return json;
}

RpcResult<CardState> CardState::fromJson(const Json::Value& json) {
  auto state = resultString(json, "state");
  if (!state) return state.error();
  return CardState{*state};
}

Json::Value PinParams::toJson() const {
  Json::Value json(Json::objectValue);
  json["pin"] = pin;
  return json;
}

RpcResult<PinParams> PinParams::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto pin = hp::protocol::rpc::requireString(json, "pin", 8);
  if (!pin) return pin.error();
  // Copied, not moved: a moved-from short string keeps its bytes in place; this wipes them all.
  RpcResult<PinParams> params = PinParams{*pin};
  secureWipe(pin->data(), pin->size());
  return params;
}

}  // namespace hp::protocol::rpc
