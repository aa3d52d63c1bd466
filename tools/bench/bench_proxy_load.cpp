#include "tools/bench/bench_proxy_load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "base/ec_key.hpp"
#include "host/channel/client_handshake.hpp"
#include "host/home_server/terminals/terminal_directory.hpp"
#include "host/rpc/channel_messages.hpp"
#include "protocol/rpc/card_methods.hpp"
#include "protocol/rpc/message.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/session_methods.hpp"
#include "tests/support/in_process_home_card.hpp"

namespace hp::bench {

namespace {

using protocol::rpc::CardPin2;
using protocol::rpc::SessionOpen;

long rssNowKb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// One load terminal: its key, its channel, its RPC calls.
class LoadTerminal {
 public:
  LoadTerminal(int index, uint64_t seed)
      : id_("load-" + std::to_string(index)), rng_(base::makeSeededRng(seed)) {}

  Result<Bytes> createKey(const Bytes& serverKey) {
    auto key = base::EcKeyPair::generate(*rng_);
    if (!key) return key.error();
    agent_ = std::make_unique<channel::SoftwareTerminalKeyAgent>(id_, std::move(key.value()),
                                                                 serverKey, *rng_, 10 * 60 * 1000);
    return agent_->publicKey();
  }

  Result<void> connect(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return makeError("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      return makeError("connect failed");
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    channel::ClientConfig config;
    config.clock = &clock_;
    config.rng = rng_.get();
    channel::ClientHandshake handshake(config, *agent_);
    auto connection = channel::ChannelConnection::connectAsTerminal(
        fd, handshake, false, [this] { return agent_->prepareShare(clock_.nowMs()); });
    if (!connection) {
      ::close(fd);
      return connection.error();
    }
    connection_ = std::move(connection.value());
    return {};
  }

  // card.pin2: PIN2 authority is per terminal (docs/control-channel.md, "Authority").
  Result<void> pin2(const std::string& pin) {
    const protocol::rpc::Request request = protocol::rpc::request<CardPin2>(nextId_++, {pin});
    if (auto sent = rpc::sendMessage(*connection_, protocol::rpc::encodeRequest(request)); !sent) {
      return sent.error();
    }
    auto answer = rpc::receiveMessage(*connection_);
    if (!answer) return answer.error();
    if (!answer->has_value()) return makeError("home server closed the channel");
    auto response = protocol::rpc::parseResponse(**answer);
    if (!response) return makeError("bad response: " + response.error().message);
    if (!response->ok()) {
      return makeError(std::string(CardPin2::kName) + ": " + response->error->message);
    }
    return {};
  }

  // session.open; true when the answer came from the cache.
  Result<bool> open(const std::string& url) {
    // The terminal's request ("mode" is "delegate" by default and not sent).
    const protocol::rpc::Request request = protocol::rpc::request<SessionOpen>(nextId_++, {url});
    if (auto sent = rpc::sendMessage(*connection_, protocol::rpc::encodeRequest(request)); !sent) {
      return sent.error();
    }
    auto answer = rpc::receiveMessage(*connection_);
    if (!answer) return answer.error();
    if (!answer->has_value()) return makeError("home server closed the channel");
    auto response = protocol::rpc::parseResponse(**answer);
    if (!response) return makeError("bad response: " + response.error().message);
    if (!response->ok()) {
      return makeError(std::string(SessionOpen::kName) + ": " + response->error->message);
    }
    auto opened = SessionOpen::Result::fromJson(*response->result);
    if (!opened) return makeError(opened.error().message);
    return opened->cached;
  }

  void close() {
    if (connection_) (void)connection_->close();
    connection_.reset();
  }
  const std::string& id() const { return id_; }

 private:
  std::string id_;
  std::unique_ptr<base::Rng> rng_;
  channel::SystemWallClock clock_;
  std::unique_ptr<channel::SoftwareTerminalKeyAgent> agent_;
  std::unique_ptr<channel::ChannelConnection> connection_;
  uint64_t nextId_ = 1;
};

}  // namespace

Result<LoadFigures> runLoad(const PkiFiles& pki, const std::string& shopUrl, int terminals,
                            double seconds) {
  LoadFigures figures;
  figures.peakRssBeforeKb = peakRssKb();
  // The real home card applet in this process (tests/support), its EC key certified by the
  // bench root, unlocked up to PIN2 as a user would before shopping.
  home_server::test::InProcessHomeCardOptions cardOptions;
  cardOptions.seed = 99;
  cardOptions.issuerKeyFile = pki.rootKey();
  cardOptions.issuerName = "CN=homeproxy bench root";
  auto inProcessCard = home_server::test::InProcessHomeCard::create(cardOptions);
  if (!inProcessCard) return inProcessCard.error();
  home_server::HomeCard* card = &(*inProcessCard)->card();
  if (auto pin = card->verifyPin1(cardOptions.pin1);
      !pin || pin->kind != home_server::PinOutcome::Kind::kAccepted) {
    return makeError("in-process home card: PIN1 refused");
  }
  if (auto pin = card->verifyPin2(cardOptions.pin2);
      !pin || pin->kind != home_server::PinOutcome::Kind::kAccepted) {
    return makeError("in-process home card: PIN2 refused");
  }
  home_server::MemoryTerminalDirectory directory;
  auto serverRng = base::makeSeededRng(99);
  auto serverKey = base::EcKeyPair::generate(*serverRng);
  if (!serverKey) return serverKey.error();
  channel::SoftwareServerSigner serverSigner(std::move(serverKey.value()), *serverRng);
  channel::SystemWallClock wallClock;
  home_server::HomeServerConfig config;
  config.listenPort = 0;
  config.maxConnections = static_cast<size_t>(terminals) + 8;
  config.trustStoreCaFile = pki.rootCert();
  config.serverKeyFile = "(injected)";
  config.adminSocketPath = "";
  config.relay.shops = {"localhost"};  // the bench shops, on 127.0.0.1 (relay_policy.hpp)
  // Every bench terminal connects from 127.0.0.1: the per-source handshake cap (4 by default,
  // against floods from one address) would refuse most of them; the bench measures hand-outs.
  config.listener.maxHandshakes = static_cast<size_t>(terminals) + 8;
  config.listener.maxHandshakesPerSource = static_cast<size_t>(terminals) + 8;
  home_server::HomeServerParts parts;
  parts.card = card;
  parts.terminals = &directory;
  parts.serverSigner = &serverSigner;
  parts.wallClock = &wallClock;
  parts.shopConnectAddress = "127.0.0.1";
  parts.logSink = [](std::string_view) {};
  home_server::HomeServer server(config, parts);
  if (auto started = server.start(); !started) return started.error();

  std::vector<std::unique_ptr<LoadTerminal>> fleet;
  for (int i = 0; i < terminals; ++i) {
    fleet.push_back(std::make_unique<LoadTerminal>(i, 1000 + static_cast<uint64_t>(i)));
    auto key = fleet.back()->createKey(serverSigner.publicKey());
    if (!key) return key.error();
    if (auto r = directory.registerTerminal(fleet.back()->id(), *key); !r) return r.error();
  }
  // Connect all (full channel handshakes), then fill the cache with one delegated handshake.
  for (auto& terminal : fleet) {
    if (auto r = terminal->connect(server.port()); r) ++figures.connected;
  }
  if (figures.connected != terminals) {
    server.stop();
    return makeError("only " + std::to_string(figures.connected) + " terminals connected");
  }
  // Each terminal gives PIN2 and opens its own session once (sessions are per terminal: one
  // handshake, one card signature each), so the timed part hands out cached sessions only.
  for (auto& terminal : fleet) {
    if (auto pin = terminal->pin2(cardOptions.pin2); !pin) {
      server.stop();
      return pin.error();
    }
    if (auto first = terminal->open(shopUrl); !first) {
      server.stop();
      return makeError("first session.open: " + first.error().message);
    }
  }

  std::atomic<bool> go{false};
  std::atomic<uint64_t> handouts{0}, errors{0};
  std::mutex latencyMutex;
  std::vector<double> latencies;
  std::string firstError;  // under latencyMutex: what the first failed hand-out said
  const auto duration = std::chrono::duration<double>(seconds);
  std::chrono::steady_clock::time_point start, stop;
  std::vector<std::thread> threads;
  threads.reserve(fleet.size());
  for (auto& terminal : fleet) {
    threads.emplace_back([&, t = terminal.get()] {
      std::vector<double> mine;
      while (!go) std::this_thread::yield();
      const auto deadline = start + std::chrono::duration_cast<std::chrono::nanoseconds>(duration);
      while (std::chrono::steady_clock::now() < deadline) {
        const auto before = std::chrono::steady_clock::now();
        auto cached = t->open(shopUrl);
        mine.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - before)
                .count());
        if (cached && *cached) {
          ++handouts;
        } else {
          ++errors;
          {
            std::lock_guard lock(latencyMutex);
            if (firstError.empty()) {
              firstError = cached ? "a fresh session, not the cached one" : cached.error().message;
            }
          }
          if (!cached) break;  // the channel is unusable after a transport error
        }
      }
      std::lock_guard lock(latencyMutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  start = std::chrono::steady_clock::now();
  go = true;
  for (auto& thread : threads) thread.join();
  stop = std::chrono::steady_clock::now();
  figures.seconds = std::chrono::duration<double>(stop - start).count();
  figures.handouts = handouts;
  figures.errors = errors;
  figures.firstError = firstError;
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    figures.medianMs = latencies[latencies.size() / 2];
    figures.p99Ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  figures.peakRssAfterKb = peakRssKb();
  figures.rssNowKb = rssNowKb();
  for (auto& terminal : fleet) terminal->close();
  server.stop();
  return figures;
}

}  // namespace hp::bench
