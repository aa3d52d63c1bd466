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
#include <vector>

#include "base/rng.hpp"
#include "host/card_adapters/access_card_client.hpp"
#include "host/channel/channel_connection.hpp"
#include "host/terminal/access_card_link.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::terminal {

using InfoSink = std::function<void(const std::string& line)>;

class HomeChannel {
 public:
  // The card must be unlocked. `info` receives progress lines (never secrets).
  static Result<std::unique_ptr<HomeChannel>> connect(card_adapters::AccessCardClient& card,
                                                      const InfoSink& info);
  // The terminal agent's channel when an agent answers for this card's reader
  // (host/terminal/agent_socket.hpp; no handshake at all), else connect(link.card(), info).
  static Result<std::unique_ptr<HomeChannel>> open(AccessCardLink& link, const InfoSink& info);
  // Through the agent of `readerName` (any agent when empty); nullptr when none answers, or when
  // $HOMEPROXY_NO_AGENT is set (the command then opens its own channel, as without an agent).
  // `hello` are agent.hello's params (a fetch's {"shop"}: the agent's mode choice for it comes
  // back in the answer, helloAnswer()).
  static std::unique_ptr<HomeChannel> viaAgent(const std::string& readerName, const InfoSink& info,
                                               const Json::Value& hello = Json::objectValue);
  // The agent's answer to agent.hello (null without an agent).
  const Json::Value& helloAnswer() const { return helloAnswer_; }
  ~HomeChannel();

  // One request; a home server error comes back as RpcError (code, message, data). The channel
  // stays open for more requests until the HomeChannel is destroyed (the seed's "previously
  // hold" the channel key: one handshake per terminal process, not per request).
  Result<Json::Value, protocol::rpc::RpcError> call(const std::string& method,
                                                    const Json::Value& params = Json::objectValue);
  // The same, for methods whose result carries binary data after the JSON (session.open's
  // hand-out, relay.request's page; host/rpc/channel_messages.hpp). `attachment` is empty if
  // none came.
  struct Answer {
    Json::Value result;
    SecretBytes attachment;
  };
  // `input` travels after the request's JSON (relay.request's POST body).
  Result<Answer, protocol::rpc::RpcError> callWithAttachment(
      const std::string& method, const Json::Value& params = Json::objectValue,
      ByteView input = {});
  // A request whose answer nobody waits for (agent.note at the end of a fetch: the command
  // need not pay the agent's round trip); its answer, if read at all, is skipped by the next
  // call. Only through the agent.
  Result<void, protocol::rpc::RpcError> notify(const std::string& method,
                                               const Json::Value& params);
  // Several requests of one method written back to back, then the answers read in order:
  // one round trip for all (the agent's prepared sessions, sent right behind the Finished).
  std::vector<Result<Answer, protocol::rpc::RpcError>> callPipelined(
      const std::string& method, const std::vector<Json::Value>& params);
  bool resumed() const { return resumed_; }
  // True when the home server closed this idle channel (or sent anything unasked, which it
  // never does): a request must not be sent on it. Never blocks.
  bool peerClosed() const;
  bool throughAgent() const { return agentFd_ >= 0; }
  // The smallest round trip seen to the home server: the channel handshake's (ClientHello to
  // the server's answer) and every answered call's, each of which crossed the link once (0 via
  // the agent, whose socket is local). Not the TCP connect's time: a relay that accepts locally
  // answers that at once, whatever the link.
  double roundTripMs() const { return roundTripMs_; }

 private:
  HomeChannel() = default;
  Result<void, protocol::rpc::RpcError> send(const protocol::rpc::Request& request,
                                             ByteView input = {});
  Result<Answer, protocol::rpc::RpcError> receive(uint64_t id);
  std::unique_ptr<channel::ChannelConnection> connection_;
  int agentFd_ = -1;
  double roundTripMs_ = 0;
  uint64_t nextId_ = 1;
  std::vector<uint64_t> unanswered_;
  Json::Value helloAnswer_;  // notify()'s ids: their answers are skipped
  bool resumed_ = false;
};

// The code of a call whose channel broke (the home server stopped or the network failed): the
// request may or may not have been carried out (host/terminal/README.md, "Exit statuses").
inline constexpr const char* kChannelCut = "channel_cut";

// A user-facing sentence for an RPC error (e.g. "wrong PIN2, 2 tries left").
std::string describeRpcError(const protocol::rpc::RpcError& error);

}  // namespace hp::terminal
