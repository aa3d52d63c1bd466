#include "host/terminal/agent_process.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include "host/terminal/agent_socket.hpp"

namespace hp::terminal {

namespace {

// Opens (creating) the reader's lock file; -1 on failure.
int openLockFile(const std::string& readerName, bool create) {
  const std::string path = agentPath(readerName, "lock");
  return ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
}

pid_t readPid(int fd) {
  char text[24] = {};
  const ssize_t got = ::pread(fd, text, sizeof text - 1, 0);
  if (got <= 0) return 0;
  return static_cast<pid_t>(std::atol(text));
}

// Waits for the lock to be free (the agent gone) until `until`; true when it is.
bool waitForLock(int lockFd, std::chrono::steady_clock::time_point until) {
  while (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

Result<void> startAgent(const std::string& readerName) {
  const int lockFd = openLockFile(readerName, /*create=*/true);
  if (lockFd < 0) return makeError("cannot start the agent (lock file)");
  if (::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lockFd);
    // EWOULDBLOCK: an agent holds this reader already; it keeps the card powered for us too.
    if (errno == EWOULDBLOCK) return {};
    return makeError("cannot start the agent (lock)");
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    ::close(lockFd);
    return makeError("cannot start the agent (pipe)");
  }
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(ready[0]);
    ::close(ready[1]);
    ::close(lockFd);
    return makeError("cannot start the agent (fork)");
  }
  if (child == 0) {
    // A second fork so the agent is nobody's child (no zombie, survives the shell's job).
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    ::close(ready[0]);
    const int devNull = ::open("/dev/null", O_RDWR);
    if (devNull >= 0) {
      ::dup2(devNull, STDIN_FILENO);
      ::dup2(devNull, STDOUT_FILENO);
      ::dup2(devNull, STDERR_FILENO);
    }
    ::fcntl(ready[1], F_SETFD, 0);  // the agent writes its "ready" byte here
    ::fcntl(lockFd, F_SETFD, 0);    // and holds the reader's lock for as long as it lives
    const std::string readyText = std::to_string(ready[1]);
    const std::string lockText = std::to_string(lockFd);
    ::execl("/proc/self/exe", "terminal", kAgentArgument, readerName.c_str(), readyText.c_str(),
            lockText.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(ready[1]);
  int status = 0;
  ::waitpid(child, &status, 0);  // the first child exits at once
  char byte = 0;
  const ssize_t got = ::read(ready[0], &byte, 1);
  ::close(ready[0]);
  // The lock is the open file's, shared with the agent: closing our descriptor keeps it held.
  ::close(lockFd);
  if (got != 1) return makeError("the agent did not start");
  return {};
}

Result<bool> stopAgent(const std::string& readerName) {
  const int lockFd = openLockFile(readerName, /*create=*/false);
  if (lockFd < 0) return false;  // no agent ever ran for this reader
  if (::flock(lockFd, LOCK_EX | LOCK_NB) == 0) {
    ::close(lockFd);
    return false;  // nobody holds the reader
  }
  const pid_t agent = readPid(lockFd);
  if (agent > 1) ::kill(agent, SIGTERM);
  // The agent wipes its keys and ends within a tick (100 ms); one blocked in a call to the
  // home server is killed, so nothing holding a key outlives the lock by more than a second.
  const auto start = std::chrono::steady_clock::now();
  if (!waitForLock(lockFd, start + std::chrono::seconds(1))) {
    if (agent > 1) ::kill(agent, SIGKILL);
    if (!waitForLock(lockFd, start + std::chrono::seconds(5))) {
      ::close(lockFd);
      return makeError("the agent (pid " + std::to_string(agent) + ") did not end");
    }
  }
  ::close(lockFd);
  return true;
}

}  // namespace hp::terminal
