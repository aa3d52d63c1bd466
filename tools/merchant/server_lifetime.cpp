#include "tools/merchant/server_lifetime.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>

namespace hp::merchant {

namespace {
std::atomic<bool> stdinClosed{false};
}

sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

std::string waitForStop(const sigset_t& signals, bool exitWithStdin) {
  if (exitWithStdin) {
    // Detached: it may stay blocked in read() until the process exits.
    std::thread([] {
      char buffer[256];
      while (true) {
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        break;
      }
      stdinClosed = true;
      ::kill(::getpid(), SIGTERM);
    }).detach();
  }
  int received = 0;
  sigwait(&signals, &received);
  if (stdinClosed) return "stdin closed";
  return strsignal(received);
}

LogSink stderrLog(std::string program) {
  auto mutex = std::make_shared<std::mutex>();
  return [program = std::move(program), mutex](std::string_view line) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::lock_guard lock(*mutex);
    std::fprintf(stderr, "%s %s: %.*s\n", stamp, program.c_str(), static_cast<int>(line.size()),
                 line.data());
  };
}

}  // namespace hp::merchant
