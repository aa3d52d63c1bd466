// pim.*: the personal information store (docs/pim.md, seed Fig 24). The terminal relays one
// WebDAV request (CalDAV/CardDAV) of a standard client to the home server, which hands it to
// its Radicale on loopback, as the user the terminal's registration names, and nowhere else.
#pragma once

#include <map>

#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

// A relayed request or response body travels base64 inside a message of at most
// kMaxMessageBytes (1 MiB), so one part is at most kMaxPimPart bytes; a longer response (a
// PROPFIND over 5,000 contacts) is fetched in parts with pim.more.
inline constexpr size_t kMaxPimPart = 512 * 1024;
// Over the control channel a part travels instead as the message's binary attachment (no
// base64; host/rpc/channel_messages.hpp kMaxAttachmentBytes, checked where both are known):
// `attached` says how many bytes, and `body` is absent.
inline constexpr size_t kMaxPimAttachedPart = 60 * 1024;

struct PimRequest {
  static constexpr std::string_view kName = "pim.request";
  static constexpr std::string_view kFamily = "pim";
  // Any registered terminal (its access card unlocked, or it has no channel): no PIN2, see
  // docs/pim.md, "PIN2".
  static constexpr Access kAccess = Access::kTerminal;
  static constexpr size_t kMaxPath = 2048;
  static constexpr size_t kMaxHeaders = 16;
  static constexpr size_t kMaxHeaderValue = 1024;
  struct Params {
    static constexpr std::array<std::string_view, 4> kFields{"method", "path", "headers?", "body?"};
    std::string method;                          // a WebDAV method (docs/pim.md)
    std::string path;                            // origin-form target, "/alice/calendar/x.ics"
    std::map<std::string, std::string> headers;  // names lower-cased
    Bytes body;                                  // base64 on the wire, at most kMaxPimPart
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 6> kFields{"status",    "headers", "body?",
                                                             "attached?", "rest?",   "stream?"};
    int status = 0;
    std::map<std::string, std::string> headers;
    Bytes body;             // base64 on the wire: the first part (absent when attached)
    uint64_t attached = 0;  // or: the first part is the attachment, this many bytes
    uint64_t rest = 0;      // bytes still held by the home server for pim.more
    uint64_t stream = 0;    // with rest: what pim.more names to get them
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// The next part of the caller's last pim.request response.
struct PimMore {
  static constexpr std::string_view kName = "pim.more";
  static constexpr std::string_view kFamily = "pim";
  static constexpr Access kAccess = Access::kTerminal;
  struct Params {
    static constexpr std::array<std::string_view, 1> kFields{"stream"};
    uint64_t stream = 0;  // from pim.request's result: a later request's parts are not ours
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 3> kFields{"body?", "attached?", "rest?"};
    Bytes body;
    uint64_t attached = 0;
    uint64_t rest = 0;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

}  // namespace hp::protocol::rpc
