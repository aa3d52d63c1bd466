#include "tests/merchant/server_process.hpp"

#include <doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hp::merchant::test {

namespace {

std::string executableFrom(const std::string& env) {
  const char* path = std::getenv(env.c_str());
  INFO("environment variable " << env << " (set by meson test)");
  REQUIRE(path != nullptr);
  return path;
}

// fork + exec with stdin/stdout pipes and stderr to a file; the child dies with its parent.
pid_t spawn(const std::string& executable, const std::vector<std::string>& args,
            const std::string& logPath, int& stdinFd, int& stdoutFd) {
  std::vector<std::string> all = {executable};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(all.size() + 1);
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int in[2], out[2];
  REQUIRE(pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  const int logFd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  REQUIRE(logFd >= 0);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(logFd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(logFd);
  stdinFd = in[1];
  stdoutFd = out[0];
  return pid;
}

}  // namespace

ServerProcess::ServerProcess(const std::string& executableEnv, std::vector<std::string> args)
    : executable_(executableFrom(executableEnv)), args_(std::move(args)) {
  char logTemplate[] = "/tmp/hp_merchant_log_XXXXXX";
  const int fd = mkstemp(logTemplate);
  REQUIRE(fd >= 0);
  close(fd);
  logPath_ = logTemplate;
  start();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
  ::unlink(logPath_.c_str());
}

void ServerProcess::start() {
  REQUIRE(pid_ <= 0);
  int stdoutFd = -1;
  pid_ = spawn(executable_, args_, logPath_, stdinFd_, stdoutFd);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  port_ = 0;
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdoutFd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buffer[256];
    const ssize_t n = read(stdoutFd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    const auto end = text.find('\n');
    if (end != std::string::npos) {
      const std::string prefix = "listening 127.0.0.1:";
      REQUIRE_MESSAGE(text.rfind(prefix, 0) == 0, "first line: " << text.substr(0, end));
      port_ = static_cast<uint16_t>(std::stoi(text.substr(prefix.size(), end - prefix.size())));
    }
  }
  close(stdoutFd);
  if (port_ == 0) {
    const std::string why = log();
    kill9();
    FAIL("server did not start: " << why);
  }
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  close(stdinFd_);
  stdinFd_ = -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  if (stdinFd_ >= 0) close(stdinFd_);
  stdinFd_ = -1;
}

int ServerProcess::signalAndWait(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  close(stdinFd_);
  stdinFd_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServerProcess::log() const {
  std::ifstream in(logPath_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int runToCompletion(const std::string& executableEnv, const std::vector<std::string>& args,
                    std::string& output) {
  char logTemplate[] = "/tmp/hp_merchant_admin_XXXXXX";
  const int fd = mkstemp(logTemplate);
  REQUIRE(fd >= 0);
  close(fd);
  int stdinFd = -1, stdoutFd = -1;
  const pid_t pid = spawn(executableFrom(executableEnv), args, logTemplate, stdinFd, stdoutFd);
  close(stdinFd);
  output.clear();
  char buffer[1024];
  ssize_t n = 0;
  while ((n = read(stdoutFd, buffer, sizeof buffer)) > 0)
    output.append(buffer, static_cast<size_t>(n));
  close(stdoutFd);
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(logTemplate);
  std::stringstream errors;
  errors << in.rdbuf();
  output += errors.str();
  ::unlink(logTemplate);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace hp::merchant::test
