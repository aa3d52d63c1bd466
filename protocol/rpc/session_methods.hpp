// session.*: TLS sessions the home server negotiates with shops on the user's card key and hands
// to the calling terminal (delegation, docs/proxy-architecture.md). Each terminal sees only its
// own sessions.
#pragma once

#include <vector>

#include "protocol/rpc/fields.hpp"

namespace hp::protocol::rpc {

// A session for the shop of `url` (one per terminal and shop, cached). Over the control channel
// the hand-out travels in binary after the JSON and the result is only {"cached"}; elsewhere
// (no attachment) the result carries the blob and what it is for.
struct SessionOpen {
  static constexpr std::string_view kName = "session.open";
  static constexpr std::string_view kFamily = "session";
  static constexpr Access kAccess = Access::kTerminalPin2;
  static constexpr size_t kMaxUrl = 2048;
  static constexpr std::string_view kDelegate = "delegate";
  struct Params {
    static constexpr std::array<std::string_view, 3> kFields{"url", "mode?", "warm?"};
    std::string url;
    std::string mode{kDelegate};  // the only mode; relay mode is relay.request
    // Also open a warm relay connection to the shop for this terminal (issue 12), in the
    // background, so a first relay.request GET there costs no handshake. Absent means false.
    bool warm = false;
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 5> kFields{"cached", "blob?", "shop?", "suite?",
                                                             "expires?"};
    bool cached = false;
    // Without an attachment only: the encoded session, its shop key, cipher suite and expiry.
    // The blob holds the session's master secret: SecretBytes, wiped when the result goes.
    std::optional<SecretBytes> blob;
    std::string shop;
    std::string suite;
    int64_t expires = 0;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// The caller's cached sessions.
struct SessionList {
  static constexpr std::string_view kName = "session.list";
  static constexpr std::string_view kFamily = "session";
  static constexpr Access kAccess = Access::kTerminal;
  using Params = NoParams;
  struct Entry {
    static constexpr std::array<std::string_view, 4> kFields{"shop", "suite", "expires", "ticket"};
    std::string shop;
    std::string suite;
    int64_t expires = 0;
    bool ticket = false;
  };
  struct Result {
    static constexpr std::array<std::string_view, 1> kFields{"sessions"};
    using Item = Entry;  // the list's elements
    std::vector<Entry> sessions;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// Forgets the caller's session with `shop` (host:port); `refused`: the shop would not resume it,
// so the next session.open asks that shop for tickets.
struct SessionDrop {
  static constexpr std::string_view kName = "session.drop";
  static constexpr std::string_view kFamily = "session";
  static constexpr Access kAccess = Access::kTerminal;
  static constexpr size_t kMaxShop = 260;
  struct Params {
    static constexpr std::array<std::string_view, 2> kFields{"shop", "refused?"};
    std::string shop;
    std::optional<bool> refused;  // absent means false
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  struct Result {
    static constexpr std::array<std::string_view, 1> kFields{"dropped"};
    bool dropped = false;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

}  // namespace hp::protocol::rpc
