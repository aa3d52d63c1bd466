#include "host/terminal/terminal_commands.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "base/clock.hpp"
#include "host/terminal/access_card_link.hpp"
#include "host/terminal/agent_process.hpp"
#include "host/terminal/command_support.hpp"
#include "host/terminal/fetch_mode.hpp"
#include "host/terminal/home_channel.hpp"
#include "host/terminal/http_message.hpp"
#include "host/terminal/layout.hpp"
#include "host/terminal/pin_input.hpp"
#include "host/terminal/usual_shops.hpp"
#include "host/tls_proxy/resumed_connection.hpp"
#include "host/tls_proxy/session_blob.hpp"
#include "host/tls_proxy/session_handout.hpp"
#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/relay_methods.hpp"
#include "protocol/rpc/session_methods.hpp"
#include "protocol/rpc/terminal_methods.hpp"

namespace hp::terminal {

namespace {
namespace wire = protocol::rpc;
}  // namespace

int fail(const std::string& message) {
  std::fprintf(stderr, "terminal: %s\n", message.c_str());
  return kExitFailed;
}

int unsettled(const std::string& message) {
  std::fprintf(stderr, "terminal: %s\n", message.c_str());
  return kExitUnsettled;
}

InfoSink infoSink(const CliOptions& options) {
  if (!options.verbose) return {};
  return [](const std::string& line) { std::fprintf(stderr, "terminal: %s\n", line.c_str()); };
}

void info(const InfoSink& sink, const std::string& line) {
  if (sink) sink(line);
}

OutputLayout layoutOf(card_adapters::AccessCardClient& card) {
  auto profile = card.profile();
  return profile ? layoutFor(*profile) : OutputLayout{};
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

namespace {

std::string pinOutcomeText(const card_adapters::PinVerification& outcome, const char* what) {
  if (outcome.blocked()) return std::string(what) + " is blocked (unblock it with the PUK)";
  return std::string("wrong ") + what + ", " + std::to_string(outcome.triesLeft) + " tries left";
}

std::string timeText(int64_t unixSeconds) {
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &utc);
  return text;
}

int unlock(const CliOptions& options, AccessCardLink& link) {
  if (auto status = link.operationalStatus(); !status) return fail(status.error().message);
  card_adapters::CardResult<card_adapters::PinVerification> outcome =
      card_adapters::PinVerification{};
  const char* what = "PIN";
  if (!options.bioFile.empty()) {
    auto sample = readBiometricSample(options.bioFile);
    if (!sample) return fail(sample.error().message);
    what = "biometric";
    outcome = link.card().verifyBiometric(*sample);
    secureWipe(sample->data(), sample->size());
  } else {
    auto pin = readPin("access card PIN: ", options.pinStdin);
    if (!pin) return fail(pin.error().message);
    const std::string_view text(reinterpret_cast<const char*>(pin->data()), pin->size());
    outcome = link.card().verifyPin(text);
  }
  if (!outcome) return fail(outcome.error().message);
  if (!outcome->verified()) return fail("access card: " + pinOutcomeText(*outcome, what));
  // The agent holds the channel and sessions while the card stays unlocked; its PC/SC
  // connection also keeps pcscd from powering the card off (which would lock it). An agent
  // already running for this reader is reused (one per reader).
  if (auto kept = startAgent(link.readerName()); !kept) {
    std::fprintf(stderr, "terminal: %s: the unlock may end when pcscd powers the card off\n",
                 kept.error().message.c_str());
  }
  print("access card unlocked\n");
  return 0;
}

// One RPC (the contract's method M) over a fresh channel.
template <class M>
Result<typename M::Result> callHome(AccessCardLink& link, const CliOptions& options,
                                    const typename M::Params& params = {}) {
  if (auto unlocked = link.requireUnlocked(); !unlocked) return unlocked.error();
  auto channel = HomeChannel::open(link, infoSink(options));
  if (!channel) return channel.error();
  auto result = wire::call<M>(**channel, params);
  if (!result) return makeError("home server: " + describeRpcError(result.error()));
  return std::move(result.value());
}

int pin2(const CliOptions& options, AccessCardLink& link) {
  // Connect first: a PIN typed for an unreachable server would only wait in memory.
  if (auto unlocked = link.requireUnlocked(); !unlocked) return fail(unlocked.error().message);
  auto channel = HomeChannel::open(link, infoSink(options));
  if (!channel) return fail(channel.error().message);
  auto pin = readPin("home card PIN2: ", options.pinStdin);
  if (!pin) return fail(pin.error().message);
  // The params wipe their copy of the PIN, call() the JSON one (jsoncpp keeps its own).
  wire::PinParams params{std::string(reinterpret_cast<const char*>(pin->data()), pin->size())};
  auto result = wire::call<wire::CardPin2>(**channel, params);
  if (!result) return fail("home server: " + describeRpcError(result.error()));
  print("home card: " + result->state + "\n");
  return 0;
}

// revoke ID: a lost or stolen access card ends at once, from a terminal the user still holds
// (terminals.revoke needs this terminal's PIN2 authority).
int revoke(const CliOptions& options, AccessCardLink& link) {
  auto result = callHome<wire::TerminalsRevoke>(link, options, {options.terminalId});
  if (!result) return fail(result.error().message);
  print("terminal " + options.terminalId + " revoked\n");
  return 0;
}

int finish(const CliOptions& options, AccessCardLink& link) {
  auto result = callHome<wire::CardFinish>(link, options);
  if (!result) return fail(result.error().message);
  print("home card: " + result->state + "\n");
  return 0;
}

int sessions(const CliOptions& options, AccessCardLink& link) {
  auto result = callHome<wire::SessionList>(link, options);
  if (!result) return fail(result.error().message);
  Table table;
  table.title = "cached shop sessions";
  table.fields = {"shop", "suite", "expires", "ticket"};
  for (const wire::SessionList::Entry& entry : result->sessions) {
    table.rows.push_back(
        {entry.shop, entry.suite, timeText(entry.expires), entry.ticket ? "yes" : "no"});
  }
  print(render(table, layoutOf(link.card())));
  return 0;
}

int status(const CliOptions& options, AccessCardLink& link) {
  auto card = link.card().status();
  if (!card) return fail(card.error().message);
  static const char* const kSecurity[] = {"locked", "unlocked (PIN)", "unlocked (biometric)"};
  Table table;
  table.title = "status";
  table.fields = {"card", "state", "tries left"};
  const auto securityIndex = static_cast<size_t>(card->security);
  table.rows.push_back({"access card",
                        !card->operational()
                            ? "personalization"
                            : (securityIndex < 3 ? kSecurity[securityIndex] : "unknown"),
                        "PIN " + std::to_string(card->pinTriesLeft) + ", bio " +
                            std::to_string(card->biometricTriesLeft) + ", PUK " +
                            std::to_string(card->pukTriesLeft)});
  int exitStatus = 0;
  if (card->operational() && card->unlocked()) {
    auto home = callHome<wire::CardStatus>(link, options);
    if (home) {
      table.rows.push_back({"home card", home->state,
                            "PIN1 " + std::to_string(home->pin1TriesLeft) + ", PIN2 " +
                                std::to_string(home->pin2TriesLeft)});
    } else {
      table.rows.push_back({"home card", "unreachable", "-"});
      std::fprintf(stderr, "terminal: %s\n", home.error().message.c_str());
      exitStatus = 1;
    }
  } else {
    table.rows.push_back({"home card", "unknown (unlock the access card)", "-"});
  }
  print(render(table, layoutOf(link.card())));
  return exitStatus;
}

Result<std::string> requestBody(const CliOptions& options) {
  if (!options.data) return std::string();
  const std::string& data = *options.data;
  if (data.empty() || data[0] != '@') return data;
  std::ifstream file(data.substr(1), std::ios::binary);
  if (!file) return makeError("cannot read " + data.substr(1));
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

namespace {

// Delegated or relayed for this URL: forced by --relay/--delegate, else the agent's choice from
// what it measured (fetch_mode.hpp); without an agent, delegated as before.
// The first URL's choice came with the agent's hello (an older agent's hello has none).
FetchMode fetchModeFor(const CliOptions& options, HomeChannel& channel, const HttpsUrl& url,
                       const InfoSink& sink, bool first) {
  if (options.relay) return FetchMode::kRelay;
  if (options.delegate || !channel.throughAgent()) return FetchMode::kDelegate;
  Json::Value params(Json::objectValue);
  params["shop"] = url.shopKey();
  auto chosen = first && channel.helloAnswer().isMember("mode")
                    ? Result<Json::Value, protocol::rpc::RpcError>(channel.helloAnswer())
                    : channel.call("agent.mode", params);
  if (!chosen) return FetchMode::kDelegate;
  info(sink, "mode for " + url.shopKey() + ": " + (*chosen)["mode"].asString() + " (" +
                 (*chosen)["reason"].asString() + ")");
  return modeNamed((*chosen)["mode"].asString()).value_or(FetchMode::kDelegate);
}

// The channel: the agent's when one answers (no card access at all), else our own. Unless a
// mode is forced, the hello asks for the first shop's mode too.
Result<std::unique_ptr<HomeChannel>> fetchChannel(const CliOptions& options, const InfoSink& sink,
                                                  const HttpsUrl& first) {
  Json::Value hello(Json::objectValue);
  if (!options.relay && !options.delegate) hello["shop"] = first.shopKey();
  if (auto agent = HomeChannel::viaAgent(options.reader, sink, hello)) return agent;
  auto link = AccessCardLink::open(options.reader);
  if (!link) return link.error();
  info(sink, "access card in \"" + (*link)->readerName() + "\"");
  if (auto unlocked = (*link)->requireUnlocked(); !unlocked) return unlocked.error();
  return HomeChannel::connect((*link)->card(), sink);
}

int fetch(const CliOptions& options) {
  std::vector<HttpsUrl> urls;
  for (const std::string& text :
       options.urls.empty() ? std::vector<std::string>{options.url} : options.urls) {
    auto url = parseHttpsUrl(text);
    if (!url) return fail(url.error().message);
    urls.push_back(std::move(*url));
  }
  auto body = requestBody(options);
  if (!body) return fail(body.error().message);
  const std::string method = options.command == Command::kPost ? "POST" : "GET";
  const InfoSink sink = infoSink(options);
  // One channel for every URL: the handshake (or ticket resumption) is paid once per process,
  // or not at all through the agent; each URL then costs its session.open (none for a session
  // the agent holds) and the resumption with its shop, or one relay.request.
  auto channel = fetchChannel(options, sink, urls.front());
  if (!channel) return fail(channel.error().message);
  int exitStatus = 0;
  for (const HttpsUrl& url : urls) {
    const FetchMode mode = fetchModeFor(options, **channel, url, sink, &url == &urls.front());
    const auto start = std::chrono::steady_clock::now();
    auto answer = mode == FetchMode::kRelay ? fetchRelayed(**channel, url, method, *body)
                                            : fetchDelegated(**channel, url, method, *body, sink);
    if (!answer) {
      exitStatus = fail(answer.error().message);
      continue;
    }
    const double ms = msSince(start);
    print(answer->body);
    std::fflush(stdout);
    if ((*channel)->throughAgent()) {
      // Not waited for, and the agent also notes the visit among the recent shops: the page is
      // out, the command pays neither the agent's round trip nor the file's rewrite.
      Json::Value measured(Json::objectValue);
      measured["shop"] = url.shopKey();
      measured["mode"] = modeName(mode);
      measured["ms"] = ms;
      (void)(*channel)->notify("agent.note", measured);
    } else {
      noteRecentVisit(url.shopKey());  // the agent prepares the shops used often
    }
    info(sink, std::string(modeName(mode)) + " fetch of " + url.shopKey() + " took " +
                   std::to_string(static_cast<long>(ms)) + " ms");
    if (!answer->success()) {
      exitStatus = fail("the shop answered HTTP " + std::to_string(answer->status) +
                        (answer->reason.empty() ? "" : " " + answer->reason));
    }
  }
  return exitStatus;
}

}  // namespace

int runCommand(const CliOptions& options) {
  if (options.command == Command::kHelp) {
    std::fputs(usageText(), stdout);
    return 0;
  }
  // get/post need no card access when an agent holds the channel.
  if (options.command == Command::kGet || options.command == Command::kPost) return fetch(options);
  auto link = AccessCardLink::open(options.reader);
  if (!link) return fail(link.error().message);
  info(infoSink(options), "access card in \"" + (*link)->readerName() + "\"");
  switch (options.command) {
    case Command::kUnlock:
      return unlock(options, **link);
    case Command::kLock: {
      if (auto locked = (*link)->card().lock(); !locked) return fail(locked.error().message);
      // The card is locked (its ticket wiped); the agent wipes its keys and ends.
      if (auto stopped = stopAgent((*link)->readerName()); !stopped) {
        std::fprintf(stderr, "terminal: %s\n", stopped.error().message.c_str());
      }
      print("access card locked\n");
      return 0;
    }
    case Command::kPin2:
      return pin2(options, **link);
    case Command::kGet:
    case Command::kPost:
    case Command::kSessions:
      return sessions(options, **link);
    case Command::kFinish:
      return finish(options, **link);
    case Command::kRevoke:
      return revoke(options, **link);
    case Command::kStatus:
      return status(options, **link);
    case Command::kBuy:
    case Command::kBalance:
    case Command::kHistory:
    case Command::kTopup:
    case Command::kCancel:
    case Command::kPay:
    case Command::kRefund:
      return runPurseCommand(options, **link);
    case Command::kAppliances:
    case Command::kAppliance:
      return runApplianceCommand(options, **link);
    case Command::kDav:
      return runDavCommand(options, **link);
    case Command::kHelp:
      break;
  }
  return 0;
}

}  // namespace hp::terminal
