// The terminal agent's state and request handling (agent_server.hpp says what the agent is).
// Internal to the agent process: agent_server.cpp runs the loop, agent_requests.cpp answers.
#pragma once

#include <winscard.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "host/terminal/access_card_link.hpp"
#include "host/terminal/fetch_mode.hpp"
#include "host/terminal/home_channel.hpp"
#include "host/terminal/usual_shops.hpp"
#include "protocol/rpc/message.hpp"

namespace hp::terminal {

using AgentClock = std::chrono::steady_clock;

// Appends a line to $HOMEPROXY_AGENT_LOG when set (no secrets: shops, modes, times, reasons).
void agentLog(const std::string& line);

// Whether the card is still in its reader, unchanged (no removal, no re-insertion).
class CardWatch {
 public:
  bool open(const std::string& readerName);
  bool stillThere();  // never blocks (timeout 0)
  ~CardWatch();

 private:
  SCARDCONTEXT context_ = 0;
  SCARD_READERSTATE state_{};
  std::string reader_;
  DWORD eventCount_ = 0;
};

class Agent {
 public:
  Agent(std::unique_ptr<AccessCardLink> link, TerminalConfig config, double cpuResumeMs);
  ~Agent() { dropKeys(); }
  // One client's message (an RPC request's text) to the response's text. `attachment`: in, the
  // request's binary part (relay.request's POST body), forwarded with it; out, the answer's
  // (session.open's hand-out, relay.request's page).
  std::string handle(const std::string& text, SecretBytes& attachment);
  // GET STATUS on the card (one APDU); false (and the agent is ending) when it is locked.
  bool cardStillUnlocked();
  // Sets up the channel if there is none (or the home server closed it); card APDUs.
  Result<void> connectChannel();
  // connectChannel, then prepares the usual shops' sessions if still to do (no card APDU).
  Result<void> ensureChannel();
  // Wipes every key: the channel (its RecordProtector wipes the record keys) and hand-outs.
  void dropKeys();
  bool ending() const { return !endReason_.empty(); }
  const std::string& endReason() const { return endReason_; }
  void end(const std::string& reason) {
    if (endReason_.empty()) endReason_ = reason;
  }
  AgentClock::time_point lastApdu() const { return lastApdu_; }

 private:
  struct HeldSession {
    SecretBytes handout;
    AgentClock::time_point received;
  };
  using Answer = Result<Json::Value, protocol::rpc::RpcError>;
  Answer dispatch(const protocol::rpc::Request& request, ByteView input, SecretBytes& attachment);
  Answer forward(const protocol::rpc::Request& request, ByteView input, SecretBytes& attachment);
  Answer openSession(const protocol::rpc::Request& request, SecretBytes& attachment);
  Answer hello(const Json::Value& params);
  Answer mode(const Json::Value& params);
  Answer note(const Json::Value& params);
  void prepareUsualShops();
  void loseChannel();
  // The held hand-out for `shop` with its age brought up to date; empty when none or expired.
  SecretBytes heldHandout(const std::string& shop);

  std::unique_ptr<AccessCardLink> link_;
  TerminalConfig config_;
  std::unique_ptr<HomeChannel> channel_;
  std::map<std::string, HeldSession> sessions_;
  std::map<std::string, ShopFigures> shops_;
  LinkFigures figures_;
  bool preparePending_ = true;  // prepare again once PIN2 is given
  // The home card answered pin2_required: the next try waits for PIN2 through this agent, or
  // kPin2Retry (PIN2 given from another terminal), instead of costing every command a round trip.
  std::optional<AgentClock::time_point> awaitingPin2Since_;
  static constexpr std::chrono::seconds kPin2Retry{60};
  AgentClock::time_point lastApdu_ = AgentClock::now();
  std::string endReason_;
};

}  // namespace hp::terminal
