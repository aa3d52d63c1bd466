// Method name -> handler. handle() is the single entry point for bytes from a peer: whatever
// arrives (not JSON, wrong version, unknown method, a handler that throws), the answer is a
// well-formed response, never a crash or an exception leaking into the connection thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::protocol::rpc {

// Who is calling (the control channel's authenticated terminal), for handlers and logs.
struct CallContext {
  std::string terminalId;
  // Where a handler may put binary data that travels after its JSON result (channel_messages:
  // the session hand-out); null where the transport has no attachments (the admin socket).
  SecretBytes* attachment = nullptr;
  // Which connection of the terminal (unique per home server process; 0: not a channel). State
  // a handler keeps between calls of one client (pim.more's held response) is per channel.
  uint64_t channel = 0;
  // Binary data the request carried after its JSON (relay.request's POST body); empty where
  // none came or the transport has none. Valid during the call only.
  ByteView requestAttachment;
};

using Handler =
    std::function<Result<Json::Value, RpcError>(const Json::Value& params, const CallContext&)>;
// Asked before every handler of a known method (the home server's terminal policies): an error
// refuses the request before its handler runs; nullopt lets it through.
using Gate = std::function<std::optional<RpcError>(const Request& request, const CallContext&)>;

class Dispatcher {
 public:
  // Registration happens before serving; a duplicate or invalid name is a programming error
  // reported as a failed Result.
  Result<void> add(const std::string& method, Handler handler);

  // Text in, text out (the RPC layer over a channel record).
  std::string handle(std::string_view requestText, const CallContext& context) const;
  // Parsed form, for callers that already hold a Request.
  Response dispatch(const Request& request, const CallContext& context) const;

  bool has(std::string_view method) const { return handlers_.find(method) != handlers_.end(); }
  // Set before serving, like add().
  void setGate(Gate gate) { gate_ = std::move(gate); }

 private:
  std::map<std::string, Handler, std::less<>> handlers_;
  Gate gate_;
};

}  // namespace hp::protocol::rpc
