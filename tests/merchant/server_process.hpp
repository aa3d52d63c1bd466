// A shop_server or bank_server process for the tests: started with --exit-with-stdin on
// 127.0.0.1 port 0, ready once it prints "listening 127.0.0.1:PORT". It dies with the test
// process (stdin closes, and PR_SET_PDEATHSIG), can be stopped politely or with kill -9, and
// restarted with the same arguments (same database).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hp::merchant::test {

class ServerProcess {
 public:
  // executable: a path from the environment variable (SHOP_SERVER, BANK_SERVER) meson sets.
  ServerProcess(const std::string& executableEnv, std::vector<std::string> args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  uint16_t port() const { return port_; }
  void start();
  // Closes stdin and waits for the exit status (0 expected).
  int stop();
  void kill9();
  // Sends a signal and waits for the exit status.
  int signalAndWait(int signal);
  bool running() const { return pid_ > 0; }
  // What the server wrote to stderr (one line per request), for failure messages.
  std::string log() const;

 private:
  std::string executable_;
  std::vector<std::string> args_;
  std::string logPath_;
  pid_t pid_ = -1;
  int stdinFd_ = -1;
  uint16_t port_ = 0;
};

// Runs the executable to completion (admin commands); returns exit status, stdout in output.
int runToCompletion(const std::string& executableEnv, const std::vector<std::string>& args,
                    std::string& output);

}  // namespace hp::merchant::test
