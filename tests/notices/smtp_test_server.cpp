#include "tests/notices/smtp_test_server.hpp"

#include <arpa/inet.h>
#include <doctest.h>
#include <fcntl.h>
#include <json/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef NOTICES_TEST_SOURCE_DIR
#error "NOTICES_TEST_SOURCE_DIR must name tests/notices"
#endif

namespace hp::notices::test {

namespace fs = std::filesystem;

SmtpTestServer::SmtpTestServer() {
  mailDir_ = dir_.file("mail");
  fs::create_directory(mailDir_);

  listenFd_ = socket(AF_INET, SOCK_STREAM, 0);  // no CLOEXEC: the server inherits it
  REQUIRE(listenFd_ >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port_ = ntohs(addr.sin_port);
}

SmtpTestServer::~SmtpTestServer() {
  stop();
  if (listenFd_ >= 0) close(listenFd_);
}

void SmtpTestServer::start(const SmtpServerOptions& options) {
  REQUIRE(pid_ < 0);
  const std::string script = std::string(NOTICES_TEST_SOURCE_DIR) + "/smtp_sink.py";
  // Debian's interpreter, where python3-aiosmtpd is installed (not a pyenv shim on PATH).
  std::vector<std::string> args = {"/usr/bin/python3",
                                   script,
                                   "--fd",
                                   std::to_string(listenFd_),
                                   "--dir",
                                   mailDir_,
                                   "--reject",
                                   std::to_string(options.rejectFirst),
                                   "--reject-code",
                                   std::to_string(options.rejectCode)};
  if (!options.auth.empty()) {
    args.push_back("--auth");
    args.push_back(options.auth);
  }
  if (options.tls != SmtpServerOptions::Tls::kNone) {
    args.insert(
        args.end(),
        {"--tls", options.tls == SmtpServerOptions::Tls::kStartTls ? "starttls" : "implicit",
         "--cert", options.certFile, "--key", options.keyFile});
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string logPath = dir_.file("server.log");

  int in[2];
  int out[2];
  REQUIRE(pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  const pid_t parent = getpid();
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    const int log = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log >= 0) dup2(log, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  stdinFd_ = in[1];

  // Ready once it prints READY (it listens before printing).
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (text.find("READY") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[256];
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  // Kept open until stop(): a closed pipe would fail the server's own write of READY if it
  // comes in two pieces, and kill it.
  stdoutFd_ = out[0];
  if (text.find("READY") == std::string::npos) {
    stop();
    std::ifstream log(logPath);
    std::stringstream logText;
    logText << log.rdbuf();
    INFO("smtp_sink.py output: " << text << logText.str());
    REQUIRE(text.find("READY") != std::string::npos);
  }
}

void SmtpTestServer::stop() {
  if (stdinFd_ >= 0) close(stdinFd_);  // EOF: the server stops itself
  stdinFd_ = -1;
  if (pid_ > 0) {
    bool exited = false;
    for (int i = 0; i < 100 && !exited; ++i) {
      exited = waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  if (stdoutFd_ >= 0) close(stdoutFd_);
  stdoutFd_ = -1;
}

std::vector<ReceivedMail> SmtpTestServer::mails() const {
  std::vector<std::string> names;
  for (const auto& file : fs::directory_iterator(mailDir_)) {
    if (file.path().extension() == ".json") names.push_back(file.path().string());
  }
  std::sort(names.begin(), names.end());
  std::vector<ReceivedMail> out;
  for (const auto& name : names) {
    std::ifstream in(name);
    Json::Value root;
    Json::CharReaderBuilder builder;
    std::string errors;
    REQUIRE(Json::parseFromStream(builder, in, &root, &errors));
    ReceivedMail mail;
    mail.mailFrom = root["mail_from"].asString();
    for (const auto& to : root["rcpt_tos"]) mail.rcptTos.push_back(to.asString());
    mail.content = root["content"].asString();
    out.push_back(std::move(mail));
  }
  return out;
}

bool SmtpTestServer::waitForMails(size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (mails().size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return mails().size() >= n;
}

}  // namespace hp::notices::test
