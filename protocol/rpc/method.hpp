// The two ends of one method, typed: the caller sends M::Params under M::kName and reads
// M::Result; the server registers a handler that takes M::Params and returns M::Result. Neither
// end spells a method name or a member name, so renaming one is a compile error on both.
//
// A method type M has: kName, kFamily, kAccess, Params and Result (each with kFields, toJson()
// and static fromJson()). Params marked kSecret (a PIN) have their JSON copy overwritten once
// the call is sent.
#pragma once

#include <string>
#include <utility>

#include "protocol/rpc/dispatcher.hpp"
#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

// Overwrites every string in `json` (jsoncpp keeps its own copies of a PIN; reach what we can).
void wipeStrings(Json::Value& json);

// Any client with `Result<Json::Value, RpcError> call(const std::string&, const Json::Value&)`:
// the terminal's HomeChannel, the tests' and benches' channel clients.
template <class M, class Client>
RpcResult<typename M::Result> call(Client& client, const typename M::Params& params) {
  Json::Value json = params.toJson();
  auto answer = client.call(std::string(M::kName), json);
  if constexpr (requires { M::Params::kSecret; }) wipeStrings(json);
  if (!answer) return answer.error();
  return M::Result::fromJson(*answer);
}

// The request a caller sends, for clients that build requests themselves (the load bench).
template <class M>
hp::protocol::rpc::Request request(uint64_t id, const typename M::Params& params) {
  hp::protocol::rpc::Request built;
  built.id = id;
  built.method = std::string(M::kName);
  built.params = params.toJson();
  return built;
}

// A handler taking typed params: `handler(const M::Params&, const CallContext&)` returns
// RpcResult<M::Result>. Params that do not parse never reach it (invalid_params as before).
template <class M, class F>
hp::protocol::rpc::Handler typedHandler(F handler) {
  return
      [handler = std::move(handler)](
          const Json::Value& json,
          const hp::protocol::rpc::CallContext& caller) -> hp::base::Result<Json::Value, RpcError> {
        auto params = M::Params::fromJson(json);
        if (!params) return params.error();
        RpcResult<typename M::Result> result = handler(*params, caller);
        if (!result) return result.error();
        return result->toJson();
      };
}

// Registers M under its own name; `wrap` (logging, authority) sees the JSON-level handler.
template <class M, class F, class Wrap>
hp::base::Result<void> registerMethod(hp::protocol::rpc::Dispatcher& dispatcher, F handler,
                                      Wrap wrap) {
  return dispatcher.add(std::string(M::kName), wrap(std::string(M::kName), M::kAccess,
                                                    typedHandler<M>(std::move(handler))));
}

template <class M, class F>
hp::base::Result<void> registerMethod(hp::protocol::rpc::Dispatcher& dispatcher, F handler) {
  return dispatcher.add(std::string(M::kName), typedHandler<M>(std::move(handler)));
}

}  // namespace hp::protocol::rpc
