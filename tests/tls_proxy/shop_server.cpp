#include "tests/tls_proxy/shop_server.hpp"

#include <doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "tests/tls_proxy/test_pki.hpp"

namespace hp::tls_proxy::test {

ShopServer::ShopServer(ResumptionKind kind, std::string certificate, std::string key) {
  const TestPki& pki = testPki();
  if (certificate.empty()) certificate = pki.shopCert;
  if (key.empty()) key = pki.shopKey;
  std::vector<std::string> args = {"openssl",   "s_server", "-accept", "127.0.0.1:0", "-cert",
                                   certificate, "-key",     key,       "-CAfile",     pki.caCert,
                                   "-Verify",   "3",        "-tls1_2", "-www"};
  if (kind == ResumptionKind::kSessionId) args.push_back("-no_ticket");

  // argv is built before fork: the child only calls async-signal-safe functions.
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t parent = getpid();
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    // Child: die with the test process, whatever happens to it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execvp("openssl", argv.data());
    _exit(127);
  }
  close(fds[1]);
  outputFd_ = fds[0];

  // Ready once it prints "ACCEPT 127.0.0.1:<port>" (it listens before printing).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string text;
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{outputFd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[512];
    const ssize_t n = read(outputFd_, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
    const auto at = text.find("ACCEPT 127.0.0.1:");
    const auto end = at == std::string::npos ? at : text.find('\n', at);
    if (end != std::string::npos) {
      port_ = static_cast<uint16_t>(std::stoi(text.substr(at + 17, end - at - 17)));
    }
  }
  output_ = text;
  if (port_ == 0) {
    // A throwing constructor runs no destructor: clean up here before failing.
    stop();
    INFO("s_server output: " << text);
    REQUIRE(port_ != 0);
  }
  // Keep reading so s_server never blocks on a full pipe.
  drainer_ = std::thread([this] { drain(); });
}

ShopServer::~ShopServer() {
  stop();
}

void ShopServer::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (drainer_.joinable()) drainer_.join();  // EOF once the child is gone
  if (outputFd_ >= 0) close(outputFd_);
  outputFd_ = -1;
}

void ShopServer::drain() {
  char buf[4096];
  while (true) {
    const ssize_t n = read(outputFd_, buf, sizeof buf);
    if (n <= 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    output_.append(buf, static_cast<size_t>(n));
  }
}

std::string ShopServer::output() {
  std::lock_guard<std::mutex> lock(mutex_);
  return output_;
}

}  // namespace hp::tls_proxy::test
