#include "host/terminal/home_channel.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "base/clock.hpp"
#include "host/card_adapters/access_card_key_agent.hpp"
#include "host/channel/client_handshake.hpp"
#include "host/rpc/channel_messages.hpp"
#include "host/terminal/agent_socket.hpp"
#include "host/terminal/next_step.hpp"
#include "host/tls_proxy/process_rng.hpp"
#include "protocol/url/https_url.hpp"

namespace hp::terminal {

namespace {

// A share is used within seconds of being made; a short window keeps a captured one useless.
constexpr uint64_t kShareLifetimeMs = 5 * 60 * 1000;

Result<int> connectTcp(const protocol::url::HostPort& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return makeError("cannot resolve home server " + address.host + ": " + gai_strerror(rc));
  }
  int fd = -1;
  for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    fd = ::socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC, entry->ai_protocol);
    if (fd < 0) continue;
    // Not timed: a relay or proxy that accepts locally answers the SYN at once, whatever the
    // link (the handshake's round trip is the measure, ChannelConnection::handshakeRttMs).
    if (::connect(fd, entry->ai_addr, entry->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return makeError("cannot connect to the home server at " + address.host + ":" + port);
  }
  // Handshake flights are small; Nagle would hold them back (docs/control-channel.md).
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

HomeChannel::~HomeChannel() {
  if (connection_) (void)connection_->close();
  if (agentFd_ >= 0) ::close(agentFd_);
}

std::unique_ptr<HomeChannel> HomeChannel::viaAgent(const std::string& readerName,
                                                   const InfoSink& info,
                                                   const Json::Value& helloParams) {
  if (const char* off = std::getenv("HOMEPROXY_NO_AGENT"); off != nullptr && *off) return nullptr;
  const std::vector<std::string> sockets =
      readerName.empty() ? agentSockets() : std::vector<std::string>{agentPath(readerName, "sock")};
  for (const std::string& path : sockets) {
    auto fd = connectAgentSocket(path);
    if (!fd) continue;
    std::unique_ptr<HomeChannel> result(new HomeChannel());
    result->agentFd_ = *fd;
    // The agent checks the card is still unlocked and its channel up before it says hello.
    auto hello = result->call("agent.hello", helloParams);
    if (!hello) {
      if (info) info("agent at " + path + " declined: " + hello.error().message);
      continue;
    }
    result->helloAnswer_ = std::move(*hello);
    if (info) info("channel held by the agent (" + path + ")");
    return result;
  }
  return nullptr;
}

Result<std::unique_ptr<HomeChannel>> HomeChannel::open(AccessCardLink& link, const InfoSink& info) {
  if (auto agent = viaAgent(link.readerName(), info)) return agent;
  return connect(link.card(), info);
}

Result<std::unique_ptr<HomeChannel>> HomeChannel::connect(card_adapters::AccessCardClient& card,
                                                          const InfoSink& info) {
  auto addressText = card.homeServerAddress();
  if (!addressText) return card_adapters::toError(addressText.error());
  auto address = protocol::url::parseHostPort(*addressText);
  if (!address) return makeError("home server address on the card: " + address.error().message);
  // The home server key (DF 31) stays on the card: KEY AGREEMENT checks the server with it.
  // So does the resumption ticket: the card offers it (PREPARE RESUME) and runs the resumed key
  // schedule itself; without a live ticket on the card this is a full handshake.

  auto fd = connectTcp(*address);
  if (!fd) return fd.error();
  channel::SystemWallClock clock;
  auto rng = tls_proxy::processRng();  // shared with the TLS client (process_rng.hpp)
  if (!rng) {
    ::close(*fd);
    return rng.error();
  }
  channel::ClientConfig config;
  config.clock = &clock;
  config.rng = *rng;
  card_adapters::AccessCardKeyAgent agent(card, kShareLifetimeMs);
  channel::ClientHandshake handshake(config, agent);
  auto connection = channel::ChannelConnection::connectAsTerminal(
      *fd, handshake, /*tryResume=*/true, [&] { return agent.prepareShare(clock.nowMs()); });
  if (!connection) {
    ::close(*fd);
    return makeError("control channel to " + *addressText + ": " + connection.error().message);
  }
  std::unique_ptr<HomeChannel> result(new HomeChannel());
  result->connection_ = std::move(connection.value());
  result->resumed_ = handshake.resumed();
  result->roundTripMs_ = result->connection_->handshakeRttMs();
  if (info) {
    info(std::string("channel to ") + *addressText + ": " +
         (result->resumed_ ? "resumed" : "full handshake"));
  }
  return result;
}

Result<Json::Value, protocol::rpc::RpcError> HomeChannel::call(const std::string& method,
                                                               const Json::Value& params) {
  auto answer = callWithAttachment(method, params);
  if (!answer) return answer.error();
  return std::move(answer->result);  // an attachment nobody asked for is wiped with `answer`
}

namespace {
protocol::rpc::RpcError channelCut(const std::string& why) {
  return protocol::rpc::makeRpcError(kChannelCut, "the connection to the home server was cut (" +
                                                      why + "; did the home server stop?)");
}
}  // namespace

bool HomeChannel::peerClosed() const {
  pollfd idle{agentFd_ >= 0 ? agentFd_ : connection_->fd(), POLLIN, 0};
  return ::poll(&idle, 1, 0) != 0;
}

Result<void, protocol::rpc::RpcError> HomeChannel::send(const protocol::rpc::Request& request,
                                                        ByteView input) {
  std::string text = protocol::rpc::encodeRequest(request);
  Result<void> sent = agentFd_ >= 0 ? writeAgentMessage(agentFd_, text, input)
                                    : rpc::sendMessage(*connection_, text, input);
  secureWipe(text.data(), text.size());  // may hold a PIN (card.pin2)
  if (!sent) return channelCut(sent.error().message);
  return {};
}

Result<void, protocol::rpc::RpcError> HomeChannel::notify(const std::string& method,
                                                          const Json::Value& params) {
  if (agentFd_ < 0)
    return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal, "notify: no agent");
  protocol::rpc::Request request;
  request.id = nextId_++;
  request.method = method;
  request.params = params;
  if (auto sent = send(request); !sent) return sent.error();
  unanswered_.push_back(request.id);
  return {};
}

Result<HomeChannel::Answer, protocol::rpc::RpcError> HomeChannel::receive(uint64_t id) {
  std::optional<rpc::ChannelMessage> message;
  if (agentFd_ >= 0) {
    auto answer = readAgentMessage(agentFd_);
    if (!answer) return channelCut(answer.error().message);
    if (!answer->has_value()) return channelCut("the agent ended");
    message = rpc::ChannelMessage{std::move((*answer)->text), std::move((*answer)->attachment)};
    // The answer to a notification sent before this call: skipped (the agent answers in order).
    if (!unanswered_.empty()) {
      auto skipped = protocol::rpc::parseResponse(message->text);
      if (skipped && skipped->id == std::optional<uint64_t>(unanswered_.front())) {
        unanswered_.erase(unanswered_.begin());
        return receive(id);
      }
    }
  } else {
    auto answer = rpc::receiveMessageWithAttachment(*connection_);
    if (!answer) return channelCut(answer.error().message);
    if (!answer->has_value()) return channelCut("it closed the channel");
    message = std::move(**answer);
  }
  auto response = protocol::rpc::parseResponse(message->text);
  if (!response) return response.error();
  if (response->id != std::optional<uint64_t>(id)) {
    return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                       "the home server answered another request");
  }
  if (response->error) return *response->error;
  return Answer{std::move(*response->result), std::move(message->attachment)};
}

Result<HomeChannel::Answer, protocol::rpc::RpcError> HomeChannel::callWithAttachment(
    const std::string& method, const Json::Value& params, ByteView input) {
  protocol::rpc::Request request;
  request.id = nextId_++;
  request.method = method;
  request.params = params;
  const auto start = std::chrono::steady_clock::now();
  if (auto sent = send(request, input); !sent) return sent.error();
  auto answer = receive(request.id);
  // Every answered call crossed the link once: an upper bound on its round trip, like the
  // handshake's; the smallest seen is the estimate.
  const double ms = msSince(start);
  if (answer && agentFd_ < 0 && (roundTripMs_ <= 0 || ms < roundTripMs_)) roundTripMs_ = ms;
  return answer;
}

std::vector<Result<HomeChannel::Answer, protocol::rpc::RpcError>> HomeChannel::callPipelined(
    const std::string& method, const std::vector<Json::Value>& params) {
  std::vector<Result<Answer, protocol::rpc::RpcError>> answers;
  const uint64_t first = nextId_;
  size_t sent = 0;
  for (const Json::Value& each : params) {
    protocol::rpc::Request request;
    request.id = nextId_++;
    request.method = method;
    request.params = each;
    auto written = send(request);
    if (!written) {
      answers.emplace_back(written.error());
      break;
    }
    ++sent;
  }
  for (size_t i = 0; i < sent; ++i) answers.push_back(receive(first + i));
  return answers;
}

std::string describeRpcError(const protocol::rpc::RpcError& error) {
  if (error.code == protocol::rpc::code::kPinWrong && error.data.isObject() &&
      error.data.isMember("tries_left")) {
    return "wrong PIN2, " + std::to_string(error.data["tries_left"].asInt()) + " tries left";
  }
  if (error.code == protocol::rpc::code::kPinBlocked)
    return "PIN2 is blocked (unblock it with the PUK)";
  const std::string next = nextStepFor(error.code);
  return error.message + " (" + error.code + ")" + (next.empty() ? "" : "\n" + next);
}

}  // namespace hp::terminal
