// relay.*: the home server makes an HTTPS request to a shop over its own session and returns the
// answer (relay mode, docs/proxy-architecture.md).
#pragma once

#include <map>

#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

struct RelayRequest {
  static constexpr std::string_view kName = "relay.request";
  static constexpr std::string_view kFamily = "relay";
  static constexpr Access kAccess = Access::kTerminalPin2;
  static constexpr size_t kMaxUrl = 2048;
  struct Params {
    static constexpr std::array<std::string_view, 3> kFields{"url", "method?", "body?"};
    std::string url;
    std::string method = "GET";  // GET or POST
    std::optional<Bytes> body;   // base64 on the wire; a GET has none
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 3> kFields{"status", "headers", "body"};
    int status = 0;
    std::map<std::string, std::string> headers;
    Bytes body;  // base64 on the wire
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

}  // namespace hp::protocol::rpc
