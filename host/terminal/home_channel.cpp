#include "host/terminal/home_channel.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/card_adapters/access_card_key_agent.hpp"
#include "host/channel/client_handshake.hpp"
#include "host/rpc/channel_messages.hpp"
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

Result<HomeChannel::Answer, protocol::rpc::RpcError> HomeChannel::callWithAttachment(
    const std::string& method, const Json::Value& params) {
  protocol::rpc::Request request;
  request.id = nextId_++;
  request.method = method;
  request.params = params;
  std::string text = protocol::rpc::encodeRequest(request);
  auto sent = rpc::sendMessage(*connection_, text);
  secureWipe(text.data(), text.size());  // may hold a PIN (card.pin2)
  const auto cut = [](const std::string& why) {
    return protocol::rpc::makeRpcError(kChannelCut, "the connection to the home server was cut (" +
                                                        why + "; did the home server stop?)");
  };
  if (!sent) return cut(sent.error().message);
  auto answer = rpc::receiveMessageWithAttachment(*connection_);
  if (!answer) return cut(answer.error().message);
  if (!answer->has_value()) return cut("it closed the channel");
  auto response = protocol::rpc::parseResponse((*answer)->text);
  if (!response) return response.error();
  if (response->id != std::optional<uint64_t>(request.id)) {
    return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                       "the home server answered another request");
  }
  if (response->error) return *response->error;
  return Answer{std::move(*response->result), std::move((*answer)->attachment)};
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
