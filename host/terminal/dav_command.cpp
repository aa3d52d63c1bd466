// `terminal dav [--listen 127.0.0.1:5232]` (docs/pim.md): serves CalDAV/CardDAV on the
// terminal's loopback; each request goes through the control channel as pim.request. One
// channel for the whole process (reopened after the home server was cut), one call at a time
// (the channel and the card take one request at a time); a thread per client connection
// (vdirsyncer opens several). It serves only while the access card is unlocked: the card is
// asked at most once a second, and a locked card closes the channel and answers 503.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

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
  DavRelay(AccessCardLink& link, InfoSink sink) : link_(link), sink_(std::move(sink)) {}

  // The whole HTTP response for one request.
  std::string answer(const protocol::http::Request& request) {
    const bool keepAlive = request.keepAlive();
    std::lock_guard lock(mutex_);
    if (auto unlocked = checkUnlocked(); !unlocked) {
      channel_.reset();
      return httpError(503, unlocked.error().message, keepAlive);
    }
    if (!channel_) {
      auto channel = HomeChannel::connect(link_.card(), sink_);
      if (!channel) return httpError(502, "home server: " + channel.error().message, keepAlive);
      channel_ = std::move(*channel);
    }
    std::string body;
    auto result = callPart<wire::PimRequest>(pimParamsOf(request).toJson(), body);
    if (!result) return failed(result.error(), keepAlive);
    for (uint64_t rest = result->rest; rest > 0;) {
      auto part = callPart<wire::PimMore>(wire::PimMore::Params{result->stream}.toJson(), body);
      if (!part) return failed(part.error(), keepAlive);
      rest = part->rest;
    }
    return httpResponse(result->status, result->headers, body, keepAlive,
                        reasonOfBody(result->status, result->headers, body));
  }

 private:
  // One call whose body part comes as the attachment (or base64 in the JSON); appended to `body`.
  template <class M>
  Result<typename M::Result, protocol::rpc::RpcError> callPart(const Json::Value& params,
                                                               std::string& body) {
    auto answer = channel_->callWithAttachment(std::string(M::kName), params);
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

  Result<void> checkUnlocked() {
    if (Clock::now() - lastCheck_ < std::chrono::seconds(1)) return {};
    auto unlocked = link_.requireUnlocked();
    if (unlocked) lastCheck_ = Clock::now();
    return unlocked;
  }

  std::string failed(const protocol::rpc::RpcError& error, bool keepAlive) {
    if (error.code == kChannelCut || statusOfRpcError(error.code) == 502) channel_.reset();
    std::fprintf(stderr, "terminal dav: %s (%s)\n", error.message.c_str(), error.code.c_str());
    return httpError(statusOfRpcError(error.code), error.message + " (" + error.code + ")",
                     keepAlive);
  }

  AccessCardLink& link_;
  InfoSink sink_;
  std::mutex mutex_;
  std::unique_ptr<HomeChannel> channel_;
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
