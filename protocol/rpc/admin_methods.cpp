#include "protocol/rpc/admin_methods.hpp"

namespace hp::protocol::rpc {

Json::Value TerminalRegister::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["id"] = id;
  json["key"] = toHex(key);
  if (kind) json["kind"] = *kind;
  if (shop) json["shop"] = *shop;
  return json;
}

RpcResult<TerminalRegister::Params> TerminalRegister::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto id = hp::protocol::rpc::requireString(json, "id", kMaxId);
  if (!id) return id.error();
  auto keyHex = hp::protocol::rpc::requireString(json, "key", 200);
  if (!keyHex) return keyHex.error();
  auto key = fromHex(*keyHex);
  if (!key)
    return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                           "key must be hex");
  Params params{std::move(*id), std::move(*key), {}, {}};
  if (json.isMember("kind")) {
    auto kind = hp::protocol::rpc::requireString(json, "kind", 8);
    if (!kind) return kind.error();
    if (!isTerminalKind(*kind)) {
      return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                             "kind must be phone, pc or till");
    }
    params.kind = std::move(*kind);
  }
  if (json.isMember("shop")) {
    auto shop = hp::protocol::rpc::requireString(json, "shop", 255);
    if (!shop) return shop.error();
    params.shop = std::move(*shop);
  }
  return params;
}

Json::Value TerminalRevoke::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["id"] = id;
  return json;
}

RpcResult<TerminalRevoke::Params> TerminalRevoke::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto id = hp::protocol::rpc::requireString(json, "id", TerminalRegister::kMaxId);
  if (!id) return id.error();
  return Params{std::move(*id)};
}

Json::Value TerminalList::Result::toJson() const {
  Json::Value list(Json::arrayValue);
  for (const Entry& entry : terminals) {
    Json::Value item;
    item["id"] = entry.id;
    item["key"] = entry.key;
    item["revoked"] = entry.revoked;
    item["kind"] = entry.kind;
    item["policy"] = entry.policy.toJson();
    list.append(item);
  }
  Json::Value json;
  json["terminals"] = list;
  return json;
}

RpcResult<TerminalList::Result> TerminalList::Result::fromJson(const Json::Value& json) {
  auto list = resultArray(json, "terminals");
  if (!list) return list.error();
  Result result;
  for (const Json::Value& item : *list) {
    auto id = resultString(item, "id");
    if (!id) return id.error();
    auto key = resultString(item, "key");
    if (!key) return key.error();
    auto revoked = resultBool(item, "revoked");
    if (!revoked) return revoked.error();
    auto kind = resultString(item, "kind");
    if (!kind) return kind.error();
    auto policy = TerminalPolicy::fromJson(item["policy"]);
    if (!policy) return badResult("policy");
    result.terminals.push_back(Entry{*id, *key, *revoked, *kind, std::move(*policy)});
  }
  return result;
}

Json::Value TerminalPolicySet::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["id"] = id;
  json["set"] = set;
  return json;
}

RpcResult<TerminalPolicySet::Params> TerminalPolicySet::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto id = hp::protocol::rpc::requireString(json, "id", TerminalRegister::kMaxId);
  if (!id) return id.error();
  if (!json["set"].isObject()) {
    return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                           "set must be an object");
  }
  if (auto only = expectOnly(json["set"], TerminalPolicy::kFields); !only) return only.error();
  return Params{std::move(*id), json["set"]};
}

Json::Value AdminStatus::Result::toJson() const {
  Json::Value json;
  json["card"] = card;
  json["port"] = port;
  json["connections"] = Json::UInt64(connections);
  json["sessions"] = Json::UInt64(sessions);
  json["handshakes"] = Json::UInt64(handshakes);
  return json;
}

RpcResult<AdminStatus::Result> AdminStatus::Result::fromJson(const Json::Value& json) {
  auto card = resultString(json, "card");
  if (!card) return card.error();
  auto port = resultInt(json, "port");
  if (!port) return port.error();
  auto connections = resultUInt64(json, "connections");
  if (!connections) return connections.error();
  auto sessions = resultUInt64(json, "sessions");
  if (!sessions) return sessions.error();
  auto handshakes = resultUInt64(json, "handshakes");
  if (!handshakes) return handshakes.error();
  return Result{*card, *port, *connections, *sessions, *handshakes};
}

}  // namespace hp::protocol::rpc
