// The agent's answers: its own agent.* requests, session.open from the sessions it holds, and
// everything else forwarded over its one control channel.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "base/clock.hpp"
#include "host/terminal/agent_core.hpp"
#include "host/terminal/http_message.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/session_methods.hpp"

namespace hp::terminal {

namespace {

namespace wire = protocol::rpc;

protocol::rpc::RpcError invalid(const std::string& what) {
  return protocol::rpc::makeRpcError(protocol::rpc::code::kInvalidParams, what);
}

uint32_t getU32(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
}

void putU32(uint8_t* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(value >> (24 - 8 * i));
}

// A held session with less left than this is dropped, not served: the terminal needs the time
// to resume and make its request (the home server hands out none with less than 5 s left).
constexpr uint32_t kHandoutMarginSeconds = 5;

}  // namespace

void agentLog(const std::string& line) {
  const char* path = std::getenv("HOMEPROXY_AGENT_LOG");
  if (path == nullptr || *path == '\0') return;
  std::ofstream log(path, std::ios::app);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%.3f", now);
  log << stamp << " agent: " << line << '\n';
}

Agent::Agent(std::unique_ptr<AccessCardLink> link, TerminalConfig config, double cpuResumeMs)
    : link_(std::move(link)), config_(std::move(config)) {
  figures_.cpuResumeMs = cpuResumeMs;
}

bool Agent::cardStillUnlocked() {
  auto unlocked = link_->requireUnlocked();
  lastApdu_ = AgentClock::now();
  if (!unlocked) end("the access card is locked");
  return unlocked.ok();
}

void Agent::dropKeys() {
  sessions_.clear();  // SecretBytes: each hand-out's master secret is wiped
  channel_.reset();   // the close record, then ~RecordProtector wipes the record keys
}

void Agent::loseChannel() {
  // The home server may have dropped our sessions with the channel (a restart, a revocation).
  dropKeys();
  preparePending_ = true;
}

Result<void> Agent::connectChannel() {
  // A home server that restarted closed our idle channel: a new one (the card's ticket
  // resumes it) before any request, so no request is lost on a dead channel.
  if (channel_ && channel_->peerClosed()) {
    agentLog("the home server closed the channel");
    loseChannel();
  }
  if (channel_) return {};
  auto connected = HomeChannel::connect(link_->card(), {});
  lastApdu_ = AgentClock::now();
  if (!connected) return connected.error();
  channel_ = std::move(connected.value());
  // The handshake's round trip (ClientHello to the server's answer), before the usual shops are
  // prepared: the first choice and the warm flag rest on it.
  noteRoundTrip(figures_, channel_->roundTripMs());
  agentLog(std::string("channel ") + (channel_->resumed() ? "resumed" : "full handshake"));
  return {};
}

Result<void> Agent::ensureChannel() {
  if (auto up = connectChannel(); !up) return up;
  prepareUsualShops();  // nothing to do unless the channel is new or PIN2 came since
  return {};
}

// The seed's "previous process": right behind the channel's Finished, before any answer came,
// one session.open per usual shop, pipelined, so the first visit costs only the resumption.
void Agent::prepareUsualShops() {
  if (!preparePending_ || !channel_) return;
  if (awaitingPin2Since_ && AgentClock::now() - *awaitingPin2Since_ < kPin2Retry) return;
  awaitingPin2Since_.reset();
  std::vector<std::string> shops;
  std::vector<Json::Value> params;
  for (const std::string& shop : usualShops(config_, readRecentVisits())) {
    if (sessions_.count(shop) != 0) continue;
    wire::SessionOpen::Params open;
    open.url = "https://" + shop + "/";
    // And a warm relay connection at the home server (docs/rpc.md) where relaying looks faster
    // now (a copy of the shop's figures: asking must not count as a decision), so a first
    // relayed visit costs no handshake on the home server's link; a laptop leaves none idle.
    ShopFigures figures = shops_[shop];
    open.warm = chooseMode(figures_, figures, true).mode == FetchMode::kRelay;
    if (open.warm) agentLog("prepare " + shop + ": with a warm relay connection");
    shops.push_back(shop);
    params.push_back(open.toJson());
  }
  preparePending_ = false;
  if (shops.empty()) return;
  auto answers = channel_->callPipelined(std::string(wire::SessionOpen::kName), params);
  for (size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i]) {
      agentLog("prepare " + shops[i] + ": " + answers[i].error().code);
      if (answers[i].error().code == kChannelCut) return loseChannel();
      // Without PIN2 the home card cannot sign: try again once card.pin2 succeeds.
      if (answers[i].error().code == "pin2_required") {
        preparePending_ = true;
        awaitingPin2Since_ = AgentClock::now();
      }
      continue;
    }
    if (answers[i]->attachment.empty()) continue;
    sessions_[shops[i]] = HeldSession{std::move(answers[i]->attachment), AgentClock::now()};
    agentLog("prepared a session for " + shops[i]);
  }
}

SecretBytes Agent::heldHandout(const std::string& shop) {
  auto found = sessions_.find(shop);
  if (found == sessions_.end()) return {};
  // The hand-out's last fields are its age and the seconds it stays valid (session_handout.hpp):
  // brought forward by the time it has been held, so the terminal never thinks it younger.
  SecretBytes copy = found->second.handout;
  const auto held = static_cast<uint32_t>(msSince(found->second.received) / 1000);
  if (copy.size() < 8) return {};
  uint8_t* tail = copy.data() + copy.size() - 8;
  const uint32_t validFor = getU32(tail + 4);
  if (validFor <= held + kHandoutMarginSeconds) {
    sessions_.erase(found);
    return {};
  }
  putU32(tail, getU32(tail) + held);
  putU32(tail + 4, validFor - held);
  return copy;
}

Agent::Answer Agent::openSession(const protocol::rpc::Request& request, SecretBytes& attachment) {
  auto params = wire::SessionOpen::Params::fromJson(request.params);
  if (!params) return params.error();
  auto url = parseHttpsUrl(params->url);
  if (!url) return invalid(url.error().message);
  const std::string shop = url->shopKey();
  if (SecretBytes held = heldHandout(shop); !held.empty()) {
    attachment = std::move(held);
    Json::Value result(Json::objectValue);
    result["cached"] = true;
    result["agent"] = true;  // the client says so with -v; the contract ignores it
    return result;
  }
  auto answer = forward(request, {}, attachment);
  if (answer && !attachment.empty()) sessions_[shop] = HeldSession{attachment, AgentClock::now()};
  return answer;
}

Agent::Answer Agent::forward(const protocol::rpc::Request& request, ByteView input,
                             SecretBytes& attachment) {
  if (auto up = ensureChannel(); !up)
    return protocol::rpc::makeRpcError(kChannelCut, up.error().message);
  auto answer = channel_->callWithAttachment(request.method, request.params, input);
  noteRoundTrip(figures_, channel_->roundTripMs());  // each answered call may lower it
  if (!answer) {
    if (answer.error().code == kChannelCut) loseChannel();
    return answer.error();
  }
  attachment = std::move(answer->attachment);
  return std::move(answer->result);
}

Agent::Answer Agent::hello(const Json::Value& params) {
  if (auto up = ensureChannel(); !up)
    return protocol::rpc::makeRpcError(kChannelCut, up.error().message);
  Json::Value result(Json::objectValue);
  // A fetch names its first shop: the mode choice comes with the hello, one round trip less.
  if (params.isObject() && params["shop"].isString()) {
    auto chosen = mode(params);
    if (!chosen) return chosen.error();
    result = std::move(*chosen);
  }
  result["reader"] = link_->readerName();
  result["home_rtt_ms"] = figures_.homeRttMs;
  result["sessions"] = Json::arrayValue;
  for (const auto& [shop, held] : sessions_) result["sessions"].append(shop);
  return result;
}

Agent::Answer Agent::mode(const Json::Value& params) {
  if (!params.isObject() || !params["shop"].isString()) return invalid("shop must be a string");
  const std::string shop = params["shop"].asString();
  const bool prepared = sessions_.count(shop) != 0;
  const ModeChoice choice = chooseMode(figures_, shops_[shop], prepared);
  Json::Value result(Json::objectValue);
  result["mode"] = modeName(choice.mode);
  result["reason"] = choice.reason;
  return result;
}

Agent::Answer Agent::note(const Json::Value& params) {
  if (!params.isObject() || !params["shop"].isString() || !params["mode"].isString() ||
      !params["ms"].isNumeric()) {
    return invalid("shop, mode and ms expected");
  }
  auto mode = modeNamed(params["mode"].asString());
  if (!mode) return invalid("mode must be delegate or relay");
  const std::string shop = params["shop"].asString();
  if (shops_.size() > 256 && shops_.count(shop) == 0) shops_.clear();  // bounded memory
  noteFetch(figures_, shops_[shop], *mode, params["ms"].asDouble());
  noteRecentVisit(shop);  // for the client, which does not wait for this (a shop name only)
  return Json::Value(Json::objectValue);
}

Agent::Answer Agent::dispatch(const protocol::rpc::Request& request, ByteView input,
                              SecretBytes& attachment) {
  const std::string& method = request.method;
  if (method == "agent.hello") return hello(request.params);
  if (method == "agent.mode") return mode(request.params);
  if (method == "agent.note") return note(request.params);
  if (method == wire::SessionOpen::kName) return openSession(request, attachment);
  if (method == wire::SessionDrop::kName && request.params["shop"].isString()) {
    sessions_.erase(request.params["shop"].asString());
  }
  Answer answer = forward(request, input, attachment);
  // The home card back in standby ends the delegations: the held hand-outs go with them.
  if (method == "card.finish") sessions_.clear();
  if (method == "card.pin2" && answer) {
    awaitingPin2Since_.reset();
    prepareUsualShops();
  }
  return answer;
}

std::string Agent::handle(const std::string& text, SecretBytes& attachment) {
  std::optional<uint64_t> idHint;
  auto request = protocol::rpc::parseRequest(text, &idHint);
  if (!request)
    return protocol::rpc::encodeResponse(protocol::rpc::errorResponse(idHint, request.error()));
  const SecretBytes input = std::move(attachment);  // the answer's attachment starts empty
  Answer answer = dispatch(*request, input.view(), attachment);
  if (request->method == "card.pin2") wire::wipeStrings(request->params);  // a PIN
  if (!answer)
    return protocol::rpc::encodeResponse(protocol::rpc::errorResponse(request->id, answer.error()));
  return protocol::rpc::encodeResponse(
      protocol::rpc::successResponse(request->id, std::move(answer.value())));
}

}  // namespace hp::terminal
