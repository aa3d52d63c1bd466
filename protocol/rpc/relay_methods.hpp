// relay.*: the home server makes an HTTPS request to a shop over its own session and returns the
// answer (relay mode, docs/proxy-architecture.md).
#pragma once

#include <map>

#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

// Binary data travels as the messages' attachments (host/rpc/channel_messages.hpp), never base64
// in the JSON: a POST's body as the request's, the page as the answer's (none when it is empty).
// The method is answered over the control channel only (it is the terminal's).
struct RelayRequest {
  static constexpr std::string_view kName = "relay.request";
  static constexpr std::string_view kFamily = "relay";
  static constexpr Access kAccess = Access::kTerminalPin2;
  static constexpr size_t kMaxUrl = 2048;
  // The page's headers the answer keeps (the terminal prints the body; these say what it is or
  // where it moved); the rest (date, server, framing, caching) would only cost link bytes.
  static constexpr std::array<std::string_view, 2> kKeptHeaders{"content-type", "location"};
  struct Params {
    static constexpr std::array<std::string_view, 2> kFields{"url", "method?"};
    std::string url;
    std::string method = "GET";  // GET (not sent: the default) or POST
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 2> kFields{"status", "headers"};
    int status = 0;
    std::map<std::string, std::string> headers;  // only kKeptHeaders
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

}  // namespace hp::protocol::rpc
