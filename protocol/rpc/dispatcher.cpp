#include "protocol/rpc/dispatcher.hpp"

#include <exception>

namespace hp::protocol::rpc {

Result<void> Dispatcher::add(const std::string& method, Handler handler) {
  if (!isValidMethodName(method)) return makeError("invalid RPC method name: " + method);
  if (!handler) return makeError("no handler for RPC method " + method);
  if (!handlers_.emplace(method, std::move(handler)).second) {
    return makeError("RPC method registered twice: " + method);
  }
  return {};
}

Response Dispatcher::dispatch(const Request& request, const CallContext& context) const {
  const auto found = handlers_.find(request.method);
  if (found == handlers_.end()) {
    return errorResponse(
        request.id, makeRpcError(code::kMethodNotFound, "no method \"" + request.method + "\""));
  }
  try {
    if (gate_) {
      if (auto refused = gate_(request, context)) return errorResponse(request.id, *refused);
    }
    auto result = found->second(request.params, context);
    if (!result) return errorResponse(request.id, result.error());
    // Results are objects by contract; a handler returning nothing means {}.
    Json::Value value = std::move(result.value());
    if (value.isNull()) value = Json::Value(Json::objectValue);
    if (!value.isObject()) {
      return errorResponse(request.id,
                           makeRpcError(code::kInternal, "method returned a non-object result"));
    }
    return successResponse(request.id, std::move(value));
  } catch (const std::exception& exception) {
    // jsoncpp throws on type mismatches (asString on an object...); a handler bug must cost
    // one request, not the connection. The exception text is jsoncpp's, not user data.
    return errorResponse(
        request.id, makeRpcError(code::kInternal,
                                 "internal error in " + request.method + ": " + exception.what()));
  } catch (...) {
    return errorResponse(request.id,
                         makeRpcError(code::kInternal, "internal error in " + request.method));
  }
}

std::string Dispatcher::handle(std::string_view requestText, const CallContext& context) const {
  std::optional<uint64_t> idHint;
  auto request = parseRequest(requestText, &idHint);
  if (!request) return encodeResponse(errorResponse(idHint, request.error()));
  return encodeResponse(dispatch(*request, context));
}

}  // namespace hp::protocol::rpc
