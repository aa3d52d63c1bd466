// The admin socket's methods (home_server --admin SOCKET ...; docs/control-channel.md): PIN1,
// the terminal registry and the server's status. Only the local admin socket serves them; the
// control channel does not know them.
#pragma once

#include <vector>

#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/fields.hpp"
#include "protocol/rpc/terminal_policy.hpp"

namespace hp::protocol::rpc {

// Presents PIN1 (the card leaves "inhibited" for "standby"). pin_wrong / pin_blocked carry
// {"tries_left"}.
struct AdminPin1 {
  static constexpr std::string_view kName = "pin1";
  static constexpr std::string_view kFamily = "admin";
  static constexpr Access kAccess = Access::kAdmin;
  using Params = PinParams;
  using Result = CardState;
};

struct TerminalRegister {
  static constexpr std::string_view kName = "terminal.register";
  static constexpr std::string_view kFamily = "terminal";
  static constexpr Access kAccess = Access::kAdmin;
  static constexpr size_t kMaxId = 32;
  struct Params {
    static constexpr std::array<std::string_view, 4> kFields{"id", "key", "kind?", "shop?"};
    std::string id;
    Bytes key;  // the terminal's public key, hex on the wire (at most 200 characters)
    // The kind's default policy is set at registration (phone when absent); a till needs the
    // shop (host name) it stands in.
    std::optional<std::string> kind;
    std::optional<std::string> shop;
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  using Result = NoResult;
};

struct TerminalRevoke {
  static constexpr std::string_view kName = "terminal.revoke";
  static constexpr std::string_view kFamily = "terminal";
  static constexpr Access kAccess = Access::kAdmin;
  struct Params {
    static constexpr std::array<std::string_view, 1> kFields{"id"};
    std::string id;
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  using Result = NoResult;
};

struct TerminalList {
  static constexpr std::string_view kName = "terminal.list";
  static constexpr std::string_view kFamily = "terminal";
  static constexpr Access kAccess = Access::kAdmin;
  using Params = NoParams;
  struct Entry {
    static constexpr std::array<std::string_view, 5> kFields{"id", "key", "revoked", "kind",
                                                             "policy"};
    std::string id;
    std::string key;  // hex
    bool revoked = false;
    std::string kind;
    TerminalPolicy policy;
  };
  struct Result {
    static constexpr std::array<std::string_view, 1> kFields{"terminals"};
    using Item = Entry;  // the list's elements
    std::vector<Entry> terminals;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

// Changes a terminal's policy: the members of `set` (any of TerminalPolicy's) replace the
// current ones; a new `kind` alone resets the policy to that kind's defaults first.
struct TerminalPolicySet {
  static constexpr std::string_view kName = "terminal.policy";
  static constexpr std::string_view kFamily = "terminal";
  static constexpr Access kAccess = Access::kAdmin;
  struct Params {
    static constexpr std::array<std::string_view, 2> kFields{"id", "set"};
    std::string id;
    Json::Value set{Json::objectValue};
    Json::Value toJson() const;
    static RpcResult<Params> fromJson(const Json::Value& params);
  };
  using Result = TerminalPolicy;
};

// The server at a glance: the card's state (or why it is unreachable), the port, live
// connections, cached sessions and full handshakes so far.
struct AdminStatus {
  static constexpr std::string_view kName = "status";
  static constexpr std::string_view kFamily = "admin";
  static constexpr Access kAccess = Access::kAdmin;
  using Params = NoParams;
  struct Result {
    static constexpr std::array<std::string_view, 5> kFields{"card", "port", "connections",
                                                             "sessions", "handshakes"};
    std::string card;
    int port = 0;
    uint64_t connections = 0;
    uint64_t sessions = 0;
    uint64_t handshakes = 0;
    Json::Value toJson() const;
    static RpcResult<Result> fromJson(const Json::Value& result);
  };
};

}  // namespace hp::protocol::rpc
