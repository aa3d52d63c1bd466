#include "protocol/rpc/admin_methods.hpp"

namespace hp::protocol::rpc {

Json::Value TerminalRegister::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["id"] = id;
  json["key"] = toHex(key);
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
  return Params{std::move(*id), std::move(*key)};
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
    result.terminals.push_back(Entry{*id, *key, *revoked});
  }
  return result;
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
