#include "protocol/rpc/terminal_policy.hpp"

#include <algorithm>

namespace hp::protocol::rpc {

namespace {

constexpr size_t kMaxListItems = 32;
constexpr size_t kMaxItemLength = 255;

RpcError invalid(const std::string& message) {
  return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams, message);
}

RpcResult<std::vector<std::string>> stringList(const Json::Value& json, const char* name) {
  const Json::Value& list = json[name];
  if (!list.isArray() || list.size() > kMaxListItems) {
    return invalid(std::string(name) + " must be a list of at most 32 strings");
  }
  std::vector<std::string> items;
  for (const Json::Value& item : list) {
    if (!item.isString() || item.asString().empty() || item.asString().size() > kMaxItemLength) {
      return invalid(std::string(name) + " must hold strings of 1..255 bytes");
    }
    items.push_back(item.asString());
  }
  return items;
}

// A non-negative integer token (not 1e2, not 100.0), as amounts are read.
RpcResult<uint64_t> count(const Json::Value& json, const char* name) {
  const Json::Value& value = json[name];
  if (value.type() == Json::realValue || !value.isUInt64()) {
    return invalid(std::string(name) + " must be a non-negative integer");
  }
  return value.asUInt64();
}

}  // namespace

bool isTerminalKind(std::string_view kind) {
  return kind == "phone" || kind == "pc" || kind == "till";
}

bool TerminalPolicy::allowsMethod(std::string_view name, std::string_view family) const {
  return std::any_of(methods.begin(), methods.end(), [&](const std::string& allowed) {
    return allowed == "*" || allowed == name || allowed == family;
  });
}

bool TerminalPolicy::allowsShop(std::string_view host) const {
  if (shops.empty()) return true;
  return std::find(shops.begin(), shops.end(), host) != shops.end();
}

Json::Value TerminalPolicy::toJson() const {
  Json::Value json(Json::objectValue);
  json["kind"] = kind;
  json["methods"] = Json::Value(Json::arrayValue);
  for (const std::string& method : methods) json["methods"].append(method);
  json["per_payment"] = Json::UInt64(perPayment);
  json["per_day"] = Json::UInt64(perDay);
  json["shops"] = Json::Value(Json::arrayValue);
  for (const std::string& shop : shops) json["shops"].append(shop);
  json["pin_only_max"] = Json::UInt64(pinOnlyMax);
  json["expires"] = Json::UInt64(expires);
  return json;
}

RpcResult<TerminalPolicy> TerminalPolicy::fromJson(const Json::Value& json) {
  if (!json.isObject()) return invalid("a policy is an object");
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  for (std::string_view field : kFields) {
    if (!json.isMember(std::string(field))) {
      return invalid("policy: missing " + std::string(field));
    }
  }
  TerminalPolicy policy;
  if (!json["kind"].isString() || !isTerminalKind(json["kind"].asString())) {
    return invalid("kind must be phone, pc or till");
  }
  policy.kind = json["kind"].asString();
  auto methods = stringList(json, "methods");
  if (!methods) return methods.error();
  policy.methods = std::move(*methods);
  auto shops = stringList(json, "shops");
  if (!shops) return shops.error();
  policy.shops = std::move(*shops);
  auto perPayment = count(json, "per_payment");
  if (!perPayment) return perPayment.error();
  auto perDay = count(json, "per_day");
  if (!perDay) return perDay.error();
  auto pinOnly = count(json, "pin_only_max");
  if (!pinOnly) return pinOnly.error();
  auto expires = count(json, "expires");
  if (!expires) return expires.error();
  if (*pinOnly > kPinOnlyCardMax) {
    return invalid("pin_only_max is at most " + std::to_string(kPinOnlyCardMax) +
                   " (the card's own limit for a DEBIT without PIN2)");
  }
  policy.perPayment = *perPayment;
  policy.perDay = *perDay;
  policy.pinOnlyMax = *pinOnly;
  policy.expires = *expires;
  return policy;
}

}  // namespace hp::protocol::rpc
