#include "protocol/rpc/session_methods.hpp"

#include "protocol/rpc/base64.hpp"

namespace hp::protocol::rpc {

namespace {

RpcError invalid(std::string message) {
  return hp::protocol::rpc::makeRpcError(hp::protocol::rpc::code::kInvalidParams,
                                         std::move(message));
}

}  // namespace

Json::Value SessionOpen::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["url"] = url;
  if (mode != kDelegate) json["mode"] = mode;  // the default is not sent
  if (warm) json["warm"] = true;
  return json;
}

RpcResult<SessionOpen::Params> SessionOpen::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto mode = hp::protocol::rpc::optionalString(json, "mode", 16, std::string(kDelegate));
  if (!mode) return mode.error();
  if (*mode != kDelegate) {
    return invalid(
        "session.open supports mode \"delegate\" (relay mode is "
        "relay.request)");
  }
  auto url = hp::protocol::rpc::requireString(json, "url", kMaxUrl);
  if (!url) return invalid(url.error().message);
  bool warm = false;
  if (json.isMember("warm")) {
    if (!json["warm"].isBool()) return invalid("warm must be true or false");
    warm = json["warm"].asBool();
  }
  return Params{std::move(*url), std::move(*mode), warm};
}

Json::Value SessionOpen::Result::toJson() const {
  Json::Value json;
  json["cached"] = cached;
  if (blob) {
    json["blob"] = hp::protocol::rpc::base64Encode(blob->view());
    json["shop"] = shop;
    json["suite"] = suite;
    json["expires"] = Json::Int64(expires);
  }
  return json;
}

RpcResult<SessionOpen::Result> SessionOpen::Result::fromJson(const Json::Value& json) {
  auto cached = resultBool(json, "cached");
  if (!cached) return cached.error();
  Result result;
  result.cached = *cached;
  if (!json.isMember("blob")) return result;
  auto blob = resultBase64(json, "blob");
  if (!blob) return blob.error();
  auto shop = resultString(json, "shop");
  if (!shop) return shop.error();
  auto suite = resultString(json, "suite");
  if (!suite) return suite.error();
  auto expires = resultInt64(json, "expires");
  if (!expires) return expires.error();
  result.blob = SecretBytes(*blob);
  secureWipe(*blob);
  result.shop = *shop;
  result.suite = *suite;
  result.expires = *expires;
  return result;
}

Json::Value SessionList::Result::toJson() const {
  Json::Value list(Json::arrayValue);
  for (const Entry& entry : sessions) {
    Json::Value item;
    item["shop"] = entry.shop;
    item["suite"] = entry.suite;
    item["expires"] = Json::Int64(entry.expires);
    item["ticket"] = entry.ticket;
    list.append(item);
  }
  Json::Value json;
  json["sessions"] = list;
  return json;
}

RpcResult<SessionList::Result> SessionList::Result::fromJson(const Json::Value& json) {
  auto list = resultArray(json, "sessions");
  if (!list) return list.error();
  Result result;
  for (const Json::Value& item : *list) {
    auto shop = resultString(item, "shop");
    if (!shop) return shop.error();
    auto suite = resultString(item, "suite");
    if (!suite) return suite.error();
    auto expires = resultInt64(item, "expires");
    if (!expires) return expires.error();
    auto ticket = resultBool(item, "ticket");
    if (!ticket) return ticket.error();
    result.sessions.push_back(Entry{*shop, *suite, *expires, *ticket});
  }
  return result;
}

Json::Value SessionDrop::Params::toJson() const {
  Json::Value json(Json::objectValue);
  json["shop"] = shop;
  if (refused) json["refused"] = *refused;
  return json;
}

RpcResult<SessionDrop::Params> SessionDrop::Params::fromJson(const Json::Value& json) {
  if (auto only = expectOnly(json, kFields); !only) return only.error();
  auto shop = hp::protocol::rpc::requireString(json, "shop", kMaxShop);
  if (!shop) return shop.error();
  Params params{std::move(*shop), std::nullopt};
  if (json.isMember("refused")) {
    if (!json["refused"].isBool()) return invalid("refused must be true or false");
    params.refused = json["refused"].asBool();
  }
  return params;
}

Json::Value SessionDrop::Result::toJson() const {
  Json::Value json;
  json["dropped"] = dropped;
  return json;
}

RpcResult<SessionDrop::Result> SessionDrop::Result::fromJson(const Json::Value& json) {
  auto dropped = resultBool(json, "dropped");
  if (!dropped) return dropped.error();
  return Result{*dropped};
}

}  // namespace hp::protocol::rpc
