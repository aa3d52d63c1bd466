#include "host/home_server/daemon/listener.hpp"

#include <unistd.h>

#include <atomic>

#include "host/channel/channel_connection.hpp"
#include "host/channel/server_handshake.hpp"
#include "host/rpc/channel_messages.hpp"

namespace hp::home_server {

namespace {

listen_guard::AcceptOptions acceptOptions(const ListenerConfig& config) {
  listen_guard::AcceptOptions options;
  options.address = config.address;
  options.port = config.port;
  options.backlog = 16;
  options.limits.maxPending = config.maxHandshakes;
  options.limits.maxPendingPerSource = config.maxHandshakesPerSource;
  options.limits.maxEstablished = config.maxConnections;
  options.limits.handshakeDeadlineMs = config.handshakeTimeoutMs;
  // Per read; the handshake as a whole has its own deadline.
  options.readTimeoutMs = config.idleTimeoutMs;
  options.sendTimeoutMs = config.idleTimeoutMs;
  options.refusalLogIntervalMs = config.refusalLogIntervalMs;
  options.errorPrefix = "listener: ";
  return options;
}

}  // namespace

Listener::Listener(ListenerConfig config, const protocol::rpc::Dispatcher& dispatcher,
                   ServerLog& log)
    : config_(std::move(config)),
      dispatcher_(dispatcher),
      log_(log),
      loop_(
          acceptOptions(config_), [this](listen_guard::AcceptLoop::Connection& c) { serve(c); },
          [this](const std::string& line) { log_.warn(line); },
          [this](const std::string& line) { log_.error(line); }) {}

Listener::~Listener() {
  stop();
}

Result<void> Listener::start() {
  if (!config_.registry || !config_.signer || !config_.clock || !config_.replayCache ||
      !config_.tickets || !config_.makeRng) {
    return makeError("listener: incomplete configuration");
  }
  if (auto started = loop_.start(); !started) return started;
  log_.transition("listener " + config_.address + ":" + std::to_string(loop_.port()), "stopped",
                  "listening");
  return {};
}

void Listener::stop() {
  if (loop_.stop()) {
    log_.transition("listener " + config_.address + ":" + std::to_string(loop_.port()), "listening",
                    "stopped");
  }
}

size_t Listener::closeTerminal(const std::string& terminalId) {
  return loop_.closeTagged(terminalId);
}

// Long on purpose (issue 11): one connection's life in order, with its one cleanup path.
// NOLINTNEXTLINE(readability-function-size)
void Listener::serve(listen_guard::AcceptLoop::Connection& connection) {
  const int fd = connection.fd;
  const std::string peer = listen_guard::peerName(fd);
  // Called once, whatever happens: the fd leaves the set stop() shuts down before it closes.
  auto finish = [this, &connection](std::unique_ptr<channel::ChannelConnection> channel) {
    loop_.finish(connection, [&] {
      if (!channel && connection.fd >= 0) ::close(connection.fd);
      channel.reset();  // closes the fd it owns
    });
  };

  auto rng = config_.makeRng();
  if (!rng) {
    log_.error("connection " + peer + ": no random generator: " + rng.error().message);
    finish(nullptr);
    return;
  }
  channel::ServerConfig channelConfig;
  channelConfig.registry = config_.registry;
  channelConfig.signer = config_.signer;
  channelConfig.clock = config_.clock;
  channelConfig.rng = rng->get();
  channelConfig.replayCache = config_.replayCache;
  channelConfig.tickets = config_.tickets;
  channelConfig.log = [this, peer](std::string_view line) {
    log_.debug("channel " + peer + ": " + std::string(line));
  };
  channel::ServerHandshake handshake(channelConfig);
  auto accepted = channel::ChannelConnection::acceptFromTerminal(fd, handshake);
  if (!accepted) {
    const bool timedOut = loop_.timedOut(connection);
    // Anyone can cause these: one line per kind and interval, the rest counted.
    if (timedOut) {
      loop_.refusals().note("handshake timeout", "connections closed (handshake timeout)",
                            "connection " + peer + " closed: no handshake within " +
                                std::to_string(config_.handshakeTimeoutMs) + " ms",
                            listen_guard::steadyNowMs());
    } else {
      loop_.refusals().note("handshake refused", "connections refused (handshake failed)",
                            "connection " + peer + " refused: " + accepted.error().message,
                            listen_guard::steadyNowMs());
    }
    finish(nullptr);
    return;
  }
  std::unique_ptr<channel::ChannelConnection> channel = std::move(accepted.value());
  const listen_guard::Refusal full = loop_.establish(connection);
  if (full != listen_guard::Refusal::kNone) {
    loop_.refusals().note("refused connection cap", "terminals refused (connection cap)",
                          "terminal " + handshake.terminalId() + " (" + peer +
                              ") refused: " + std::to_string(config_.maxConnections) +
                              " terminals already connected",
                          listen_guard::steadyNowMs());
    finish(std::move(channel));
    return;
  }
  SecretBytes attachment;  // a response's binary part (session.open's hand-out), wiped after
  static std::atomic<uint64_t> nextChannel{1};  // CallContext::channel: never 0, never reused
  const protocol::rpc::CallContext caller{handshake.terminalId(), &attachment, nextChannel++};
  loop_.setTag(connection, caller.terminalId);
  // A revocation that raced with this handshake (the registry answered just before it) found
  // no terminal ID here to close; asking again now, after the ID is visible to closeTerminal,
  // closes that gap (the cached registry answers without the card).
  if (auto still = config_.registry->terminalKey(caller.terminalId); !still) {
    log_.warn("terminal " + caller.terminalId + " (" + peer +
              ") refused after its handshake: " + still.error().message);
    finish(std::move(channel));
    return;
  }
  log_.transition("terminal " + caller.terminalId + " (" + peer + ")", "connecting",
                  handshake.resumed() ? "connected (resumed)" : "connected");
  std::string ending = "closed";
  while (true) {
    auto message = rpc::receiveMessageWithAttachment(*channel);
    if (!message) {
      // A forged, replayed or truncated record: the record layer cannot go on after it.
      ending = "dropped (" + message.error().message + ")";
      break;
    }
    if (!message->has_value()) {
      (void)channel->close();
      break;
    }
    protocol::rpc::CallContext call = caller;
    call.requestAttachment = (*message)->attachment.view();  // wiped with `message`
    const std::string answer = dispatcher_.handle((*message)->text, call);
    auto sent = rpc::sendMessage(*channel, answer, attachment.view());
    attachment.clear();
    if (!sent) {
      ending = "dropped (" + sent.error().message + ")";
      break;
    }
  }
  log_.transition("terminal " + caller.terminalId + " (" + peer + ")", "connected", ending);
  if (config_.channelEnded) config_.channelEnded(caller.terminalId);
  finish(std::move(channel));
}

}  // namespace hp::home_server
