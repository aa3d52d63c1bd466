// The terminal's control channel to its home server, everything taken from the access card:
// the address (DF 32), the server's pinned key (DF 31), the key agent (PREPARE SHARE / KEY
// AGREEMENT, which checks the server with DF 31) and the resumption ticket, which never leaves
// the card (PREPARE RESUME / RESUME AGREEMENT; a full handshake when the card holds none). On
// top, one RPC call at a time (host/rpc).
#pragma once

#include <json/json.h>

#include <functional>
#include <memory>
#include <string>

#include "base/rng.hpp"
#include "host/card_adapters/access_card_client.hpp"
#include "host/channel/channel_connection.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::terminal {

using InfoSink = std::function<void(const std::string& line)>;

class HomeChannel {
 public:
  // The card must be unlocked. `info` receives progress lines (never secrets).
  static Result<std::unique_ptr<HomeChannel>> connect(card_adapters::AccessCardClient& card,
                                                      const InfoSink& info);
  ~HomeChannel();

  // One request; a home server error comes back as RpcError (code, message, data). The channel
  // stays open for more requests until the HomeChannel is destroyed (the seed's "previously
  // hold" the channel key: one handshake per terminal process, not per request).
  Result<Json::Value, protocol::rpc::RpcError> call(const std::string& method,
                                                    const Json::Value& params = Json::objectValue);
  // The same, for methods whose result carries binary data after the JSON (session.open's
  // hand-out; host/rpc/channel_messages.hpp). `attachment` is empty if none came.
  struct Answer {
    Json::Value result;
    SecretBytes attachment;
  };
  Result<Answer, protocol::rpc::RpcError> callWithAttachment(
      const std::string& method, const Json::Value& params = Json::objectValue);
  bool resumed() const { return resumed_; }

 private:
  HomeChannel() = default;
  std::unique_ptr<channel::ChannelConnection> connection_;
  uint64_t nextId_ = 1;
  bool resumed_ = false;
};

// The code of a call whose channel broke (the home server stopped or the network failed): the
// request may or may not have been carried out (host/terminal/README.md, "Exit statuses").
inline constexpr const char* kChannelCut = "channel_cut";

// A user-facing sentence for an RPC error (e.g. "wrong PIN2, 2 tries left").
std::string describeRpcError(const protocol::rpc::RpcError& error);

}  // namespace hp::terminal
