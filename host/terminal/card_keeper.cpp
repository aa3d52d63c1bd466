#include "card_keeper.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <winscard.h>

#include <chrono>
#include <string>

namespace hp::terminal {

Result<void> startCardKeeper(const std::string& readerName) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return makeError("cannot start the card keeper (pipe)");
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(ready[0]);
    ::close(ready[1]);
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
    const std::string fd = std::to_string(ready[1]);
    ::execl("/proc/self/exe", "terminal", kKeeperArgument, readerName.c_str(), fd.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(ready[1]);
  int status = 0;
  ::waitpid(child, &status, 0);  // the first child exits at once
  char byte = 0;
  const ssize_t got = ::read(ready[0], &byte, 1);
  ::close(ready[0]);
  if (got != 1) return makeError("the card keeper did not start");
  return {};
}

int runCardKeeper(const std::string& readerName, int readyFd) {
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
