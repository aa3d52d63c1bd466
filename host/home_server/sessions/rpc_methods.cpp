#include "host/home_server/sessions/rpc_methods.hpp"

#include "base/pin_format.hpp"
#include "host/tls_proxy/session_handout.hpp"
#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/relay_methods.hpp"
#include "protocol/rpc/session_methods.hpp"

namespace hp::home_server {

namespace {

namespace wire = protocol::rpc;
using protocol::rpc::RpcError;
using MethodResult = Result<Json::Value, RpcError>;
// What a handler of the contract's method M answers.
template <class M>
using Answer = Result<typename M::Result, RpcError>;

RpcError cardError(const Error& error) {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kCardError,
                                     "home card: " + error.message);
}

// PIN verification answers shared by card.pin2 (and the admin's pin1).
Answer<wire::CardPin2> pinAnswer(const PinOutcome& outcome, const char* stateAfter) {
  Json::Value data;
  data["tries_left"] = outcome.triesLeft;
  switch (outcome.kind) {
    case PinOutcome::Kind::kAccepted:
      return wire::CardState{stateAfter};
    case PinOutcome::Kind::kWrong:
      return protocol::rpc::makeRpcError(
          protocol::rpc::code::kPinWrong,
          "wrong PIN, " + std::to_string(outcome.triesLeft) + " tries left", data);
    case PinOutcome::Kind::kBlocked:
      break;
  }
  return protocol::rpc::makeRpcError(protocol::rpc::code::kPinBlocked, "PIN blocked", data);
}

// relay_refused before any work when the relay policy will not have the URL (the handshake and
// the relay check again at connect time, on the address they connect to).
std::optional<RpcError> outOfScope(const RelayOptions& relay, const ShopUrl& url) {
  if (!relay.policy) return std::nullopt;
  auto allowed = relay.policy->connectAddress(url.host, url.port, relay.connectAddress);
  if (allowed) return std::nullopt;
  return protocol::rpc::makeRpcError(protocol::rpc::code::kRelayRefused, allowed.error().message);
}

}  // namespace

protocol::rpc::Handler loggedHandler(ServerLog& log, std::string method,
                                     protocol::rpc::Handler handler) {
  return [&log, method = std::move(method), handler = std::move(handler)](
             const Json::Value& params, const protocol::rpc::CallContext& caller) -> MethodResult {
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

protocol::rpc::Handler authorizedHandler(AuthorityGuard& authority, protocol::rpc::Handler handler,
                                         CardCheck check) {
  return [&authority, handler = std::move(handler), check](
             const Json::Value& params, const protocol::rpc::CallContext& caller) -> MethodResult {
    if (auto admitted = authority.admit(caller.terminalId, check); !admitted) {
      return admitted.error();
    }
    auto result = handler(params, caller);
    if (!result) return authority.afterFailure(result.error());
    return result;
  };
}

// Long on purpose (issue 11): a table of the session methods, one short lambda each.
// NOLINTNEXTLINE(readability-function-size)
Result<void> registerHomeServerMethods(protocol::rpc::Dispatcher& dispatcher,
                                       const MethodContext& context) {
  if (!context.card || !context.sessions || !context.log || !context.authority) {
    return makeError("home server methods need a card, a session manager, a log and an authority");
  }
  HomeCard& card = *context.card;
  SessionManager& sessions = *context.sessions;
  ServerLog& log = *context.log;
  AuthorityGuard& authority = *context.authority;
  const RelayOptions relayOptions = context.relay;

  Result<void> added = addMethod<wire::CardStatus>(
      dispatcher, log, authority,
      [&card](const wire::NoParams&,
              const protocol::rpc::CallContext&) -> Answer<wire::CardStatus> {
        auto status = card.status();
        if (!status) return cardError(status.error());
        return wire::CardStatus::Result{status->lifecycle, status->security, status->pin1TriesLeft,
                                        status->pin2TriesLeft};
      });
  if (added) {
    added = addMethod<wire::CardPin2>(
        dispatcher, log, authority,
        [&card, &log, &authority](
            const wire::PinParams& params,
            const protocol::rpc::CallContext& caller) -> Answer<wire::CardPin2> {
          if (!base::isValidPinFormat(bytesOf(params.pin))) {
            return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams,
                                               "a PIN is 4 to 8 digits");
          }
          auto before = card.status();
          if (before && before->security == "inhibited") {
            return protocol::rpc::makeRpcError(authority_code::kPin1Required,
                                               "the home card needs PIN1 first, at the home server "
                                               "(home_server --admin SOCKET pin1)");
          }
          // The grant is this terminal's alone (authority_book.hpp says why not the channel's).
          auto outcome = authority.presentPin2(
              caller.terminalId, [&card, &params] { return card.verifyPin2(params.pin); });
          if (!outcome) return cardError(outcome.error());
          if (outcome->kind == PinOutcome::Kind::kAccepted) {
            log.transition("home card", before ? before->security : "?", "crypto");
          }
          return pinAnswer(*outcome, "crypto");
        });
  }
  if (added) {
    added = addMethod<wire::CardFinish>(
        dispatcher, log, authority,
        [&card, &authority](const wire::NoParams&,
                            const protocol::rpc::CallContext& caller) -> Answer<wire::CardFinish> {
          // This terminal's grant ends and its sessions go; the card returns to standby unless
          // another terminal still holds authority (the guard logs the card's change).
          authority.finished(caller.terminalId);
          auto after = card.status();
          return wire::CardState{after ? after->security : "standby"};
        });
  }
  if (added) {
    added = addMethod<wire::SessionOpen>(
        dispatcher, log, authority,
        [&sessions, relayOptions](
            const wire::SessionOpen::Params& params,
            const protocol::rpc::CallContext& caller) -> Answer<wire::SessionOpen> {
          auto url = parseShopUrl(params.url);
          if (!url)
            return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams,
                                               url.error().message);
          if (auto refused = outOfScope(relayOptions, *url)) return *refused;
          // This terminal's own session: never one made for another terminal or the relay.
          auto opened = sessions.open(caller.terminalId, *url);
          if (!opened) {
            return protocol::rpc::makeRpcError(protocol::rpc::code::kUpstreamError,
                                               opened.error().message);
          }
          if (params.warm) {
            prewarmRelay(sessions, caller.terminalId, *url, opened->encodedBlob, !opened->cached,
                         relayOptions);
          }
          wire::SessionOpen::Result result;
          result.cached = opened->cached;
          if (caller.attachment != nullptr) {
            // Over the channel: only what the terminal needs, in binary after the JSON (the
            // compact hand-out, session_handout.hpp); the terminal knows the shop it asked for.
            auto blob = tls_proxy::decodeSessionBlob(opened->encodedBlob.view());
            if (!blob)
              return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                                 blob.error().message);
            auto handout = tls_proxy::encodeSessionHandout(*blob, opened->nowUnix);
            if (!handout)
              return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                                 handout.error().message);
            *caller.attachment = std::move(handout.value());
            return result;
          }
          result.blob = opened->encodedBlob;
          result.shop = url->shopKey();
          result.suite = opened->ciphersuite;
          result.expires = opened->expiresUnix;
          return result;
        },
        // A cached visit: a recent state read vouches for the card (no card APDU).
        CardCheck::kRecent);
  }
  if (added) {
    added = addMethod<wire::SessionList>(
        dispatcher, log, authority,
        [&sessions](const wire::NoParams&,
                    const protocol::rpc::CallContext& caller) -> Answer<wire::SessionList> {
          wire::SessionList::Result result;
          for (const SessionInfo& info : sessions.list(caller.terminalId)) {
            result.sessions.push_back({info.shop, info.ciphersuite, info.expiresUnix, info.ticket});
          }
          return result;
        });
  }
  if (added) {
    added = addMethod<wire::SessionDrop>(
        dispatcher, log, authority,
        [&sessions](const wire::SessionDrop::Params& params,
                    const protocol::rpc::CallContext& caller) -> Answer<wire::SessionDrop> {
          auto parsed = parseShopKey(params.shop);
          if (!parsed)
            return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams,
                                               parsed.error().message);
          return wire::SessionDrop::Result{
              sessions.drop(caller.terminalId, parsed->shopKey(), params.refused.value_or(false))};
        });
  }
  if (added) {
    added = addMethod<wire::RelayRequest>(
        dispatcher, log, authority,
        [&sessions, relayOptions](
            const wire::RelayRequest::Params& params,
            const protocol::rpc::CallContext& caller) -> Answer<wire::RelayRequest> {
          // The page goes back as the answer's attachment: only a channel has one.
          if (caller.attachment == nullptr)
            return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                               "relay.request is answered over a channel only");
          if (params.method == "GET" && !caller.requestAttachment.empty())
            return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams,
                                               "a GET has no body");
          auto url = parseShopUrl(params.url);
          if (!url)
            return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams,
                                               url.error().message);
          RelayRequest request{
              *url, params.method,
              Bytes(caller.requestAttachment.begin(), caller.requestAttachment.end())};
          request.keepFor = caller.terminalId;  // its own warm connection, never another's
          if (auto refused = outOfScope(relayOptions, *url)) return *refused;
          auto response = relayRequest(sessions, request, relayOptions);
          if (!response) {
            return protocol::rpc::makeRpcError(protocol::rpc::code::kUpstreamError,
                                               response.error().message);
          }
          wire::RelayRequest::Result result{response->status, {}};
          for (std::string_view name : wire::RelayRequest::kKeptHeaders) {
            auto kept = response->headers.find(std::string(name));
            if (kept != response->headers.end()) result.headers.insert(*kept);
          }
          *caller.attachment = SecretBytes(response->body);
          return result;
        });
  }
  return added;
}

}  // namespace hp::home_server
