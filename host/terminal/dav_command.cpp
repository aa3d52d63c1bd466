// `terminal dav [--listen 127.0.0.1:5232]` (docs/pim.md): serves CalDAV/CardDAV on the
// terminal's loopback; each request goes through a control channel as pim.request. A thread
// per client connection (vdirsyncer opens several) and a pool of up to kMaxChannels channels,
// opened lazily one at a time (the card takes one handshake at a time), so that requests of
// different connections are in flight in parallel; a channel carries one request (and its
// pim.more parts) at a time. It serves only while the access card is unlocked: the card is
// asked at most once a second, and a locked card closes the channels and answers 503.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "host/terminal/command_support.hpp"
#include "host/terminal/dav_gateway.hpp"
#include "protocol/http/http_message.hpp"
#include "protocol/rpc/method.hpp"
#include "protocol/rpc/pim_methods.hpp"

namespace hp::terminal {

namespace {

namespace wire = protocol::rpc;
using Clock = std::chrono::steady_clock;

class DavRelay {
 public:
  // Channels kept at most: opened lazily, when all open ones are busy (vdirsyncer keeps a few
  // requests in flight; each channel is one of the home server's maxConnections slots).
  static constexpr size_t kMaxChannels = 4;

  DavRelay(AccessCardLink& link, InfoSink sink) : link_(link), sink_(std::move(sink)) {}

  // The whole HTTP response for one request; several run at once, each on its own channel.
  std::string answer(const protocol::http::Request& request) {
    const bool keepAlive = request.keepAlive();
    auto lease = acquire();
    if (!lease) return httpError(lease.error().first, lease.error().second, keepAlive);
    std::string body;
    auto result = callPart<wire::PimRequest>(*lease->channel, pimParamsOf(request).toJson(), body);
    if (!result) return failed(std::move(*lease), result.error(), keepAlive);
    for (uint64_t rest = result->rest; rest > 0;) {
      auto part = callPart<wire::PimMore>(*lease->channel,
                                          wire::PimMore::Params{result->stream}.toJson(), body);
      if (!part) return failed(std::move(*lease), part.error(), keepAlive);
      rest = part->rest;
    }
    release(std::move(*lease), true);
    return httpResponse(result->status, result->headers, body, keepAlive,
                        reasonOfBody(result->status, result->headers, body));
  }

 private:
  // A channel lent to one request: its held response (pim.more) is that request's alone.
  struct Lease {
    std::unique_ptr<HomeChannel> channel;
    uint64_t generation = 0;
  };
  using Refusal = std::pair<int, std::string>;  // HTTP status, message

  // An idle channel, else a new one while fewer than kMaxChannels exist, else wait for one.
  Result<Lease, Refusal> acquire() {
    if (auto unlocked = checkUnlocked(); !unlocked) return Refusal{503, unlocked.error().message};
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [this] { return !idle_.empty() || open_ < kMaxChannels; });
    if (!idle_.empty()) {
      Lease lease{std::move(idle_.back()), generation_};
      idle_.pop_back();
      return lease;
    }
    ++open_;
    const uint64_t generation = generation_;
    lock.unlock();
    std::unique_ptr<HomeChannel> channel;
    std::string why;
    {
      std::lock_guard card(card_);  // the card answers one APDU exchange at a time
      auto opened = HomeChannel::connect(link_.card(), sink_);
      if (opened) channel = std::move(*opened);
      if (!opened) why = opened.error().message;
    }
    if (!channel) {
      release(Lease{}, false);
      return Refusal{502, "home server: " + why};
    }
    return Lease{std::move(channel), generation};
  }

  // Back to the pool, or closed (a failed call, or the card was locked meanwhile).
  void release(Lease lease, bool reusable) {
    std::lock_guard lock(mutex_);
    if (reusable && lease.channel && lease.generation == generation_) {
      idle_.push_back(std::move(lease.channel));
    } else {
      --open_;
    }
    freed_.notify_one();
  }

  // One call whose body part comes as the attachment (or base64 in the JSON); appended to `body`.
  template <class M>
  static Result<typename M::Result, protocol::rpc::RpcError> callPart(HomeChannel& channel,
                                                                      const Json::Value& params,
                                                                      std::string& body) {
    auto answer = channel.callWithAttachment(std::string(M::kName), params);
    if (!answer) return answer.error();
    auto result = M::Result::fromJson(answer->result);
    if (!result) return result.error();
    if (result->attached != answer->attachment.size()) {
      return protocol::rpc::makeRpcError(protocol::rpc::code::kInternal,
                                         "the home server's part has a wrong size");
    }
    const ByteView part = result->attached > 0 ? answer->attachment.view() : ByteView(result->body);
    body.append(part.begin(), part.end());
    return result;
  }

  // A locked card closes every channel: the idle ones now, the busy ones when handed back.
  Result<void> checkUnlocked() {
    std::lock_guard card(card_);
    if (Clock::now() - lastCheck_ < std::chrono::seconds(1)) return {};
    auto unlocked = link_.requireUnlocked();
    if (unlocked) {
      lastCheck_ = Clock::now();
      return unlocked;
    }
    std::lock_guard lock(mutex_);
    open_ -= idle_.size();
    idle_.clear();
    ++generation_;
    freed_.notify_all();
    return unlocked;
  }

  std::string failed(Lease lease, const protocol::rpc::RpcError& error, bool keepAlive) {
    // A cut channel (or any 502 on the way) is closed and reopened lazily by a later request;
    // after a refusal (403, 400, 413) it is fine and goes back to the pool.
    release(std::move(lease), !(error.code == kChannelCut || statusOfRpcError(error.code) == 502));
    std::fprintf(stderr, "terminal dav: %s (%s)\n", error.message.c_str(), error.code.c_str());
    return httpError(statusOfRpcError(error.code), error.message + " (" + error.code + ")",
                     keepAlive);
  }

  AccessCardLink& link_;
  InfoSink sink_;
  std::mutex card_;   // the access card: the unlock check and a channel's handshake
  std::mutex mutex_;  // the pool below
  std::condition_variable freed_;
  std::vector<std::unique_ptr<HomeChannel>> idle_;
  size_t open_ = 0;          // idle + lent + being opened
  uint64_t generation_ = 0;  // bumped when the card is found locked
  Clock::time_point lastCheck_{};
};

bool sendAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void serveConnection(int fd, DavRelay& relay) {
  protocol::http::RequestParser parser(wire::kMaxPimPart);
  char buffer[64 * 1024];
  bool open = true;
  while (open) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    parser.feed(std::string_view(buffer, static_cast<size_t>(n)));
    for (;;) {
      auto outcome = parser.next();
      if (outcome.error) {
        sendAll(fd, httpError(outcome.error->status, outcome.error->message, false));
        open = false;
        break;
      }
      if (!outcome.request) break;
      if (!sendAll(fd, relay.answer(*outcome.request)) || !outcome.request->keepAlive()) {
        open = false;
        break;
      }
    }
  }
  ::close(fd);
}

Result<int> listenOn(const std::string& address, uint16_t port, uint16_t& bound) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError("socket failed");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &local.sin_addr);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0 ||
      ::listen(fd, 16) != 0) {
    ::close(fd);
    return makeError("cannot listen on " + address + ":" + std::to_string(port) +
                     " (in use? pick another with --listen)");
  }
  socklen_t length = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  bound = ntohs(local.sin_port);
  return fd;
}

}  // namespace

int runDavCommand(const CliOptions& options, AccessCardLink& link) {
  auto listen = parseLoopbackListen(options.listen.empty() ? "127.0.0.1:5232" : options.listen);
  if (!listen) return fail(listen.error().message);
  if (auto unlocked = link.requireUnlocked(); !unlocked) return fail(unlocked.error().message);
  uint16_t port = 0;
  auto fd = listenOn(listen->first, listen->second, port);
  if (!fd) return fail(fd.error().message);
  std::signal(SIGPIPE, SIG_IGN);
  DavRelay relay(link, infoSink(options));
  // First line on stdout, as the project's servers print it (tests read the port from it).
  std::printf("listening %s:%u\n", listen->first.c_str(), static_cast<unsigned>(port));
  std::fflush(stdout);
  for (;;) {
    const int client = ::accept4(*fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::thread(serveConnection, client, std::ref(relay)).detach();
  }
}

}  // namespace hp::terminal
