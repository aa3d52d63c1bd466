#include "host/terminal/agent_server.hpp"

#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <vector>

#include "base/clock.hpp"
#include "host/terminal/agent_core.hpp"
#include "host/terminal/agent_socket.hpp"

namespace hp::terminal {

namespace {

volatile std::sig_atomic_t gStop = 0;
void onStop(int /*signal*/) {
  gStop = 1;
}

// The access card locks itself after 10 minutes without an APDU; the agent goes before that.
constexpr auto kCardIdle = std::chrono::seconds(590);
// A client that stays connected without asking anything lets the others wait: dropped.
constexpr auto kClientIdle = std::chrono::seconds(30);

// The terminal's speed, measured once: the wall time of 64 KiB of SHA-256, about the symmetric
// work of one resumed TLS session and a small page on this CPU (a throttled CPU shows here as
// it shows in the resumption). Only an estimate until the modes are measured per shop.
double calibrateResumeMs() {
  std::vector<uint8_t> block(4096, 0x5a);
  uint8_t digest[32];
  const auto start = AgentClock::now();
  for (int i = 0; i < 16; ++i) (void)mbedtls_sha256_ret(block.data(), block.size(), digest, 0);
  return msSince(start);
}

void installStopHandlers() {
  struct sigaction action {};
  action.sa_handler = onStop;  // no SA_RESTART: poll() returns at once with EINTR
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(signal, &action, nullptr);
}

class Loop {
 public:
  Loop(Agent& agent, CardWatch& watch, int listenFd, unsigned idleSeconds)
      : agent_(agent),
        watch_(watch),
        listenFd_(listenFd),
        idle_(std::chrono::seconds(idleSeconds)) {}

  void run() {
    while (!shouldEnd()) {
      pollfd waiting{listenFd_, POLLIN, 0};
      if (::poll(&waiting, 1, kAgentTickMs) <= 0 || (waiting.revents & POLLIN) == 0) continue;
      const int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      serve(fd);
      ::close(fd);
    }
  }

 private:
  bool shouldEnd() {
    const auto now = AgentClock::now();
    if (gStop != 0) agent_.end("stopped (terminal lock or a signal)");
    if (!watch_.stillThere()) agent_.end("the card left the reader");
    if (now - lastCommand_ > idle_) agent_.end("idle limit");
    if (now - agent_.lastApdu() > kCardIdle) agent_.end("the card's own idle lock");
    return agent_.ending();
  }

  void serve(int fd) {
    const auto uid = peerUid(fd);
    if (!uid || !peerAllowed(*uid, ::geteuid())) {
      agentLog("refused a connection from uid " + (uid ? std::to_string(*uid) : "unknown"));
      return;  // closed unanswered
    }
    // Every client first costs one GET STATUS: a card locked by anyone ends the agent here.
    if (!agent_.cardStillUnlocked()) return;
    auto lastActivity = AgentClock::now();
    while (!shouldEnd()) {
      pollfd waiting{fd, POLLIN, 0};
      const int ready = ::poll(&waiting, 1, kAgentTickMs);
      if (ready == 0) {
        if (AgentClock::now() - lastActivity > kClientIdle) return;
        continue;
      }
      if (ready < 0) continue;  // EINTR: shouldEnd() sees the signal
      auto message = readAgentMessage(fd);
      if (!message || !message->has_value()) return;
      lastCommand_ = lastActivity = AgentClock::now();
      SecretBytes attachment = std::move((*message)->attachment);  // in: the request's
      std::string answer = agent_.handle((*message)->text, attachment);
      secureWipe((*message)->text.data(), (*message)->text.size());  // may hold PIN2
      const bool sent = writeAgentMessage(fd, answer, attachment.view()).ok();
      secureWipe(answer.data(), answer.size());
      if (!sent) return;
    }
  }

  Agent& agent_;
  CardWatch& watch_;
  int listenFd_;
  std::chrono::seconds idle_;
  AgentClock::time_point lastCommand_ = AgentClock::now();
};

}  // namespace

bool CardWatch::open(const std::string& readerName) {
  reader_ = readerName;
  if (SCardEstablishContext(SCARD_SCOPE_USER, nullptr, nullptr, &context_) != SCARD_S_SUCCESS) {
    return false;
  }
  state_.szReader = reader_.c_str();
  state_.dwCurrentState = SCARD_STATE_UNAWARE;
  if (SCardGetStatusChange(context_, 0, &state_, 1) != SCARD_S_SUCCESS) return false;
  eventCount_ = state_.dwEventState >> 16;  // pcsc-lite counts insertions and removals here
  state_.dwCurrentState = state_.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
  return (state_.dwEventState & SCARD_STATE_PRESENT) != 0;
}

bool CardWatch::stillThere() {
  const LONG rc = SCardGetStatusChange(context_, 0, &state_, 1);
  if (rc == SCARD_E_TIMEOUT) return true;   // nothing changed
  if (rc != SCARD_S_SUCCESS) return false;  // pcscd stopped, the reader went away
  const DWORD events = state_.dwEventState;
  state_.dwCurrentState = events & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
  if ((events & (SCARD_STATE_EMPTY | SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE |
                 SCARD_STATE_MUTE)) != 0) {
    return false;
  }
  return (events >> 16) == eventCount_;  // removed and put back is another session
}

CardWatch::~CardWatch() {
  if (context_ != 0) SCardReleaseContext(context_);
}

int runAgent(const std::string& readerName, int readyFd, int lockFd) {
  // The pid is for `terminal lock`; the lock itself was taken by the parent before the fork.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lockFd, 0) != 0 ||
      ::pwrite(lockFd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return 1;
  }
  ::fcntl(lockFd, F_SETFD, FD_CLOEXEC);
  installStopHandlers();
  auto config = loadTerminalConfig();
  if (!config) agentLog(config.error().message + "; using the defaults");
  const TerminalConfig settings = config ? config.value() : TerminalConfig{};
  auto link = AccessCardLink::open(readerName);
  CardWatch watch;
  if (!link || !watch.open(readerName)) return 1;
  const std::string socketPath = agentPath(readerName, "sock");
  auto listenFd = listenAgentSocket(socketPath);
  if (!listenFd) return 1;
  int exitStatus = 0;
  {
    Agent agent(std::move(link.value()), settings, calibrateResumeMs());
    agentLog("started for " + readerName + ", idle limit " +
             std::to_string(settings.agentIdleSeconds) + " s");
    // The channel's handshake uses the card (PREPARE SHARE, KEY AGREEMENT): done before
    // `unlock` returns, so no command that follows races it on the card.
    const bool unlocked = agent.cardStillUnlocked();
    if (unlocked) {
      if (auto up = agent.connectChannel(); !up) agentLog("no channel yet: " + up.error().message);
    }
    const char byte = 1;
    (void)::write(readyFd, &byte, 1);
    ::close(readyFd);
    if (unlocked) {
      // The prepared sessions right behind the channel's Finished (no card APDU).
      (void)agent.ensureChannel();
      Loop loop(agent, watch, *listenFd, settings.agentIdleSeconds);
      loop.run();
    }
    // No client can reach us from here on; then every key goes.
    ::close(*listenFd);
    ::unlink(socketPath.c_str());
    agent.dropKeys();
    agentLog("ended: " + agent.endReason() + "; keys wiped");
  }
  return exitStatus;
}

}  // namespace hp::terminal
