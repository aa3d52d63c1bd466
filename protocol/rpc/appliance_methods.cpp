#include "protocol/rpc/appliance_methods.hpp"

#include "protocol/rpc/params.hpp"

namespace hp::protocol::rpc {

Json::Value ApplianceInfo::toJson() const {
  Json::Value json;
  json["name"] = name;
  json["kind"] = kind;
  json["display_name"] = displayName;
  json["online"] = online;
  json["state"] = state;
  json["offers"] = offers;
  json["sensitive"] = sensitive;
  return json;
}

RpcResult<ApplianceInfo> ApplianceInfo::fromJson(const Json::Value& json) {
  if (auto object = resultObject(json); !object) return object.error();
  ApplianceInfo info;
  for (auto [field, member] :
       {std::pair{"name", &info.name}, std::pair{"kind", &info.kind},
        std::pair{"display_name", &info.displayName}, std::pair{"state", &info.state},
        std::pair{"offers", &info.offers}}) {
    auto text = resultString(json, field);
    if (!text) return text.error();
    *member = *text;
  }
  auto online = resultBool(json, "online");
  if (!online) return online.error();
  auto sensitive = resultBool(json, "sensitive");
  if (!sensitive) return sensitive.error();
  info.online = *online;
  info.sensitive = *sensitive;
  return info;
}

Json::Value ApplianceList::Result::toJson() const {
  Json::Value json;
  Json::Value list(Json::arrayValue);
  for (const ApplianceInfo& info : appliances) list.append(info.toJson());
  json["appliances"] = list;
  json["broker"] = broker;
  return json;
}

RpcResult<ApplianceList::Result> ApplianceList::Result::fromJson(const Json::Value& json) {
  auto list = resultArray(json, "appliances");
  if (!list) return list.error();
  auto broker = resultBool(json, "broker");
  if (!broker) return broker.error();
  Result result;
  result.broker = *broker;
  for (const Json::Value& item : *list) {
    auto info = ApplianceInfo::fromJson(item);
    if (!info) return info.error();
    result.appliances.push_back(std::move(*info));
  }
  return result;
}

Json::Value ApplianceNameParams::toJson() const {
  Json::Value json;
  json["name"] = name;
  return json;
}

RpcResult<ApplianceNameParams> ApplianceNameParams::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto name = hp::protocol::rpc::requireString(json, "name", kMaxApplianceName);
  if (!name) return name.error();
  return ApplianceNameParams{*name};
}

Json::Value ApplianceSet::Params::toJson() const {
  Json::Value json;
  json["name"] = name;
  json["value"] = value;
  return json;
}

RpcResult<ApplianceSet::Params> ApplianceSet::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto name = hp::protocol::rpc::requireString(json, "name", kMaxApplianceName);
  if (!name) return name.error();
  auto value = hp::protocol::rpc::requireString(json, "value", kMaxApplianceValue);
  if (!value) return value.error();
  return Params{*name, *value};
}

Json::Value ApplianceSet::Result::toJson() const {
  Json::Value json;
  json["name"] = name;
  json["value"] = value;
  json["outcome"] = outcome;
  json["state"] = state;
  return json;
}

RpcResult<ApplianceSet::Result> ApplianceSet::Result::fromJson(const Json::Value& json) {
  if (auto object = resultObject(json); !object) return object.error();
  Result result;
  for (auto [field, member] :
       {std::pair{"name", &result.name}, std::pair{"value", &result.value},
        std::pair{"outcome", &result.outcome}, std::pair{"state", &result.state}}) {
    auto text = resultString(json, field);
    if (!text) return text.error();
    *member = *text;
  }
  return result;
}

}  // namespace hp::protocol::rpc
