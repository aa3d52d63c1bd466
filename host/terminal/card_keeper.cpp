#include "host/terminal/card_keeper.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <winscard.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

namespace hp::terminal {

namespace {

std::string lockDirectory() {
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime != nullptr && *runtime) {
    return std::string(runtime) + "/homeproxy";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
    return std::string(home) + "/.cache/homeproxy";
  }
  return "/tmp/homeproxy-" + std::to_string(::getuid());
}

// Opens (creating) the reader's lock file; -1 on failure.
int openLockFile(const std::string& readerName, bool create) {
  const std::string path = keeperLockPath(readerName);
  const std::string dir = path.substr(0, path.rfind('/'));
  if (create) {
    const std::string parent = dir.substr(0, dir.rfind('/'));
    ::mkdir(parent.c_str(), 0700);  // $HOME/.cache may not exist yet; failures show below
    ::mkdir(dir.c_str(), 0700);
  }
  return ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
}

pid_t readPid(int fd) {
  char text[24] = {};
  const ssize_t got = ::pread(fd, text, sizeof text - 1, 0);
  if (got <= 0) return 0;
  return static_cast<pid_t>(std::atol(text));
}

}  // namespace

std::string keeperLockPath(const std::string& readerName) {
  std::string name;
  for (char c : readerName) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    name.push_back(plain ? c : '_');
  }
  return lockDirectory() + "/card-keeper-" + name + ".lock";
}

Result<void> startCardKeeper(const std::string& readerName) {
  const int lockFd = openLockFile(readerName, /*create=*/true);
  if (lockFd < 0) return makeError("cannot start the card keeper (lock file)");
  if (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lockFd);
    // EWOULDBLOCK: a keeper holds this reader already; it keeps the card powered for us too.
    if (errno == EWOULDBLOCK) return {};
    return makeError("cannot start the card keeper (lock)");
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    ::close(lockFd);
    return makeError("cannot start the card keeper (pipe)");
  }
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(ready[0]);
    ::close(ready[1]);
    ::close(lockFd);
    return makeError("cannot start the card keeper (fork)");
  }
  if (child == 0) {
    // A second fork so the keeper is nobody's child (no zombie, survives the shell's job).
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    ::close(ready[0]);
    const int devNull = ::open("/dev/null", O_RDWR);
    if (devNull >= 0) {
      ::dup2(devNull, STDIN_FILENO);
      ::dup2(devNull, STDOUT_FILENO);
      ::dup2(devNull, STDERR_FILENO);
    }
    ::fcntl(ready[1], F_SETFD, 0);  // the keeper writes its "ready" byte here
    ::fcntl(lockFd, F_SETFD, 0);    // and holds the reader's lock for as long as it lives
    const std::string readyText = std::to_string(ready[1]);
    const std::string lockText = std::to_string(lockFd);
    ::execl("/proc/self/exe", "terminal", kKeeperArgument, readerName.c_str(), readyText.c_str(),
            lockText.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(ready[1]);
  int status = 0;
  ::waitpid(child, &status, 0);  // the first child exits at once
  char byte = 0;
  const ssize_t got = ::read(ready[0], &byte, 1);
  ::close(ready[0]);
  // The lock is the open file's, shared with the keeper: closing our descriptor keeps it held.
  ::close(lockFd);
  if (got != 1) return makeError("the card keeper did not start");
  return {};
}

Result<bool> stopCardKeeper(const std::string& readerName) {
  const int lockFd = openLockFile(readerName, /*create=*/false);
  if (lockFd < 0) return false;  // no keeper ever ran for this reader
  if (::flock(lockFd, LOCK_EX | LOCK_NB) == 0) {
    ::close(lockFd);
    return false;  // nobody holds the reader
  }
  const pid_t keeper = readPid(lockFd);
  if (keeper > 1) ::kill(keeper, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= until) {
      ::close(lockFd);
      return makeError("the card keeper (pid " + std::to_string(keeper) + ") did not end");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::close(lockFd);
  return true;
}

int runCardKeeper(const std::string& readerName, int readyFd, int lockFd) {
  // The pid is for `terminal lock`; the lock itself was taken by the parent before the fork.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lockFd, 0) != 0 ||
      ::pwrite(lockFd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return 1;
  }
  ::fcntl(lockFd, F_SETFD, FD_CLOEXEC);
  SCARDCONTEXT context = 0;
  if (SCardEstablishContext(SCARD_SCOPE_USER, nullptr, nullptr, &context) != SCARD_S_SUCCESS) {
    return 1;
  }
  SCARDHANDLE card = 0;
  DWORD protocol = 0;
  if (SCardConnect(context, readerName.c_str(), SCARD_SHARE_SHARED,
                   SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol) != SCARD_S_SUCCESS) {
    SCardReleaseContext(context);
    return 1;
  }
  const char byte = 1;
  (void)::write(readyFd, &byte, 1);
  ::close(readyFd);

  // SIGTERM (from `terminal lock`) keeps its default action: the process ends at once, the
  // kernel closes the pcscd socket (pcscd drops the connection) and releases the lock.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(kHoldSeconds);
  SCARD_READERSTATE state{};
  state.szReader = readerName.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  while (std::chrono::steady_clock::now() < until) {
    const LONG rc = SCardGetStatusChange(context, 1000, &state, 1);
    if (rc == SCARD_E_TIMEOUT) continue;
    if (rc != SCARD_S_SUCCESS) break;  // pcscd stopped, the reader went away
    if ((state.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNKNOWN)) != 0) break;
    state.dwCurrentState = state.dwEventState;
  }
  SCardDisconnect(card, SCARD_LEAVE_CARD);
  SCardReleaseContext(context);
  return 0;
}

}  // namespace hp::terminal
