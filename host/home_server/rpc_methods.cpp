#include "rpc_methods.hpp"

#include "base64.hpp"
#include "params.hpp"
#include "pin.hpp"
#include "session_handout.hpp"

namespace hp::home {

namespace {

using rpc::RpcError;
using MethodResult = Result<Json::Value, RpcError>;

RpcError cardError(const Error& error) {
  return rpc::makeRpcError(rpc::code::kCardError, "home card: " + error.message);
}

// PIN verification answers shared by card.pin2 (and the admin's pin1).
MethodResult pinAnswer(const PinOutcome& outcome, const char* stateAfter) {
  Json::Value data;
  data["tries_left"] = outcome.triesLeft;
  switch (outcome.kind) {
    case PinOutcome::Kind::kAccepted: {
      Json::Value result;
      result["state"] = stateAfter;
      return result;
    }
    case PinOutcome::Kind::kWrong:
      return rpc::makeRpcError(rpc::code::kPinWrong,
                               "wrong PIN, " + std::to_string(outcome.triesLeft) + " tries left",
                               data);
    case PinOutcome::Kind::kBlocked:
      break;
  }
  return rpc::makeRpcError(rpc::code::kPinBlocked, "PIN blocked", data);
}

Result<ShopUrl> urlParam(const Json::Value& params) {
  auto text = rpc::requireString(params, "url", 2048);
  if (!text) return makeError(text.error().message);
  return parseShopUrl(*text);
}

// relay_refused before any work when the relay policy will not have the URL (the handshake and
// the relay check again at connect time, on the address they connect to).
std::optional<RpcError> outOfScope(const RelayOptions& relay, const ShopUrl& url) {
  if (!relay.policy) return std::nullopt;
  auto allowed = relay.policy->connectAddress(url.host, url.port, relay.connectAddress);
  if (allowed) return std::nullopt;
  return rpc::makeRpcError(rpc::code::kRelayRefused, allowed.error().message);
}

}  // namespace

rpc::Handler loggedHandler(ServerLog& log, std::string method, rpc::Handler handler) {
  return [&log, method = std::move(method), handler = std::move(handler)](
             const Json::Value& params, const rpc::CallContext& caller) -> MethodResult {
    auto result = handler(params, caller);
    const std::string who = caller.terminalId.empty() ? "?" : caller.terminalId;
    if (result) {
      log.info("rpc " + who + " " + method + ": ok");
    } else {
      log.warn("rpc " + who + " " + method + ": " + result.error().code + ": " +
               result.error().message);
    }
    return result;
  };
}

rpc::Handler authorizedHandler(AuthorityGuard& authority, rpc::Handler handler, CardCheck check) {
  return [&authority, handler = std::move(handler), check](
             const Json::Value& params, const rpc::CallContext& caller) -> MethodResult {
    if (auto admitted = authority.admit(caller.terminalId, check); !admitted) {
      return admitted.error();
    }
    auto result = handler(params, caller);
    if (!result) return authority.afterFailure(result.error());
    return result;
  };
}

Result<void> registerHomeServerMethods(rpc::Dispatcher& dispatcher, const MethodContext& context) {
  if (!context.card || !context.sessions || !context.log || !context.authority) {
    return makeError("home server methods need a card, a session manager, a log and an authority");
  }
  HomeCard& card = *context.card;
  SessionManager& sessions = *context.sessions;
  ServerLog& log = *context.log;
  AuthorityGuard& authority = *context.authority;
  const RelayOptions relayOptions = context.relay;

  const std::pair<const char*, rpc::Handler> methods[] = {
      {"card.status",
       [&card](const Json::Value& params, const rpc::CallContext&) -> MethodResult {
         if (auto only = rpc::expectOnly(params, {}); !only) return only.error();
         auto status = card.status();
         if (!status) return cardError(status.error());
         Json::Value result;
         result["lifecycle"] = status->lifecycle;
         result["state"] = status->security;
         result["pin1_tries_left"] = status->pin1TriesLeft;
         result["pin2_tries_left"] = status->pin2TriesLeft;
         return result;
       }},
      {"card.pin2",
       [&card, &log, &authority](const Json::Value& params,
                                 const rpc::CallContext& caller) -> MethodResult {
         if (auto only = rpc::expectOnly(params, {"pin"}); !only) return only.error();
         auto pin = rpc::requireString(params, "pin", 8);
         if (!pin) return pin.error();
         if (!card::isValidPinFormat(bytesOf(*pin))) {
           secureWipe(pin->data(), pin->size());
           return rpc::makeRpcError(rpc::code::kInvalidParams, "a PIN is 4 to 8 digits");
         }
         auto before = card.status();
         if (before && before->security == "inhibited") {
           secureWipe(pin->data(), pin->size());
           return rpc::makeRpcError(authority_code::kPin1Required,
                                    "the home card needs PIN1 first, at the home server "
                                    "(home_server --admin SOCKET pin1)");
         }
         // The grant is this terminal's alone (authority_book.hpp says why not the channel's).
         auto outcome = authority.presentPin2(caller.terminalId,
                                              [&card, &pin] { return card.verifyPin2(*pin); });
         secureWipe(pin->data(), pin->size());
         if (!outcome) return cardError(outcome.error());
         if (outcome->kind == PinOutcome::Kind::kAccepted) {
           log.transition("home card", before ? before->security : "?", "crypto");
         }
         return pinAnswer(*outcome, "crypto");
       }},
      {"card.finish",
       [&card, &authority](const Json::Value& params,
                           const rpc::CallContext& caller) -> MethodResult {
         if (auto only = rpc::expectOnly(params, {}); !only) return only.error();
         // This terminal's grant ends and its sessions go; the card returns to standby unless
         // another terminal still holds authority (the guard logs the card's change).
         authority.finished(caller.terminalId);
         auto after = card.status();
         Json::Value result;
         result["state"] = after ? after->security : "standby";
         return result;
       }},
      {"session.open",
       authorizedHandler(
           authority,
           [&sessions, relayOptions](const Json::Value& params,
                                     const rpc::CallContext& caller) -> MethodResult {
             if (auto only = rpc::expectOnly(params, {"url", "mode"}); !only) return only.error();
             auto mode = rpc::optionalString(params, "mode", 16, "delegate");
             if (!mode) return mode.error();
             if (*mode != "delegate") {
               return rpc::makeRpcError(rpc::code::kInvalidParams,
                                        "session.open supports mode \"delegate\" (relay mode is "
                                        "relay.request)");
             }
             auto url = urlParam(params);
             if (!url) return rpc::makeRpcError(rpc::code::kInvalidParams, url.error().message);
             if (auto refused = outOfScope(relayOptions, *url)) return *refused;
             // This terminal's own session: never one made for another terminal or the relay.
             auto opened = sessions.open(caller.terminalId, *url);
             if (!opened) {
               return rpc::makeRpcError(rpc::code::kUpstreamError, opened.error().message);
             }
             Json::Value result;
             result["cached"] = opened->cached;
             if (caller.attachment != nullptr) {
               // Over the channel: only what the terminal needs, in binary after the JSON (the
               // compact hand-out, session_handout.hpp); the terminal knows the shop it asked for.
               auto blob = tls::decodeSessionBlob(opened->encodedBlob.view());
               if (!blob) return rpc::makeRpcError(rpc::code::kInternal, blob.error().message);
               auto handout = tls::encodeSessionHandout(*blob, opened->nowUnix);
               if (!handout)
                 return rpc::makeRpcError(rpc::code::kInternal, handout.error().message);
               *caller.attachment = std::move(handout.value());
               return result;
             }
             result["blob"] = rpc::base64Encode(opened->encodedBlob.view());
             result["shop"] = url->shopKey();
             result["suite"] = opened->ciphersuite;
             result["expires"] = Json::Int64(opened->expiresUnix);
             return result;
           },
           // A cached visit: a recent state read vouches for the card (no card APDU).
           CardCheck::kRecent)},
      {"session.list",
       [&sessions](const Json::Value& params, const rpc::CallContext& caller) -> MethodResult {
         if (auto only = rpc::expectOnly(params, {}); !only) return only.error();
         Json::Value list(Json::arrayValue);
         for (const SessionInfo& info : sessions.list(caller.terminalId)) {
           Json::Value entry;
           entry["shop"] = info.shop;
           entry["suite"] = info.ciphersuite;
           entry["expires"] = Json::Int64(info.expiresUnix);
           entry["ticket"] = info.ticket;
           list.append(entry);
         }
         Json::Value result;
         result["sessions"] = list;
         return result;
       }},
      {"session.drop",
       [&sessions](const Json::Value& params, const rpc::CallContext& caller) -> MethodResult {
         if (auto only = rpc::expectOnly(params, {"shop", "refused"}); !only) return only.error();
         auto shop = rpc::requireString(params, "shop", 260);
         if (!shop) return shop.error();
         auto parsed = parseShopKey(*shop);
         if (!parsed) return rpc::makeRpcError(rpc::code::kInvalidParams, parsed.error().message);
         if (params.isMember("refused") && !params["refused"].isBool()) {
           return rpc::makeRpcError(rpc::code::kInvalidParams, "refused must be true or false");
         }
         Json::Value result;
         result["dropped"] = sessions.drop(caller.terminalId, parsed->shopKey(),
                                           params.get("refused", false).asBool());
         return result;
       }},
      {"relay.request",
       authorizedHandler(
           authority,
           [&sessions, relayOptions](const Json::Value& params,
                                     const rpc::CallContext&) -> MethodResult {
             if (auto only = rpc::expectOnly(params, {"url", "method", "body"}); !only) {
               return only.error();
             }
             auto url = urlParam(params);
             if (!url) return rpc::makeRpcError(rpc::code::kInvalidParams, url.error().message);
             auto method = rpc::optionalString(params, "method", 8, "GET");
             if (!method) return method.error();
             if (*method != "GET" && *method != "POST") {
               return rpc::makeRpcError(rpc::code::kInvalidParams, "method must be GET or POST");
             }
             RelayRequest request{*url, *method, {}};
             if (params.isMember("body")) {
               if (!params["body"].isString()) {
                 return rpc::makeRpcError(rpc::code::kInvalidParams, "body must be base64 text");
               }
               auto body = rpc::base64Decode(params["body"].asString());
               if (!body) return rpc::makeRpcError(rpc::code::kInvalidParams, "body is not base64");
               if (*method == "GET" && !body->empty()) {
                 return rpc::makeRpcError(rpc::code::kInvalidParams, "a GET has no body");
               }
               request.body = std::move(*body);
             }
             if (auto refused = outOfScope(relayOptions, *url)) return *refused;
             auto response = relayRequest(sessions, request, relayOptions);
             if (!response) {
               return rpc::makeRpcError(rpc::code::kUpstreamError, response.error().message);
             }
             Json::Value headers(Json::objectValue);
             for (const auto& [name, value] : response->headers) headers[name] = value;
             Json::Value result;
             result["status"] = response->status;
             result["headers"] = headers;
             result["body"] = rpc::base64Encode(response->body);
             return result;
           })},
  };
  for (const auto& [name, handler] : methods) {
    if (auto added = dispatcher.add(name, loggedHandler(log, name, handler)); !added) return added;
  }
  return {};
}

}  // namespace hp::home
