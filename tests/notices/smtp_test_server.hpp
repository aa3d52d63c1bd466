// A real SMTP server for the tests: tests/notices/smtp_sink.py (Debian's python3-aiosmtpd) on
// 127.0.0.1. The port is chosen by the kernel when the object is made and stays reserved (bound,
// not listening: connections are refused) until start(), so a test can send to a server that is
// down and start it later on the same port. Each accepted mail is a file in a temporary
// directory. The server exits when its stdin closes: at stop(), when this object goes away, or
// (PR_SET_PDEATHSIG) when the test process dies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace hp::notices::test {

struct ReceivedMail {
  std::string mailFrom;
  std::vector<std::string> rcptTos;
  std::string content;  // as received (after dot-unstuffing), CRLF line ends
};

struct SmtpServerOptions {
  int rejectFirst = 0;  // answer the first N DATA commands with rejectCode
  int rejectCode = 451;
  std::string auth;  // "user:password": login required (over TLS if TLS is on)
  enum class Tls { kNone, kStartTls, kImplicit } tls = Tls::kNone;
  std::string certFile, keyFile;  // PEM, for TLS
};

class SmtpTestServer {
 public:
  SmtpTestServer();
  ~SmtpTestServer();
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // A scratch directory that lives as long as this object (for outbox files).
  std::string scratchDir() const { return dir_.path(); }

  void start(const SmtpServerOptions& options = {});
  void stop();
  // Every mail accepted so far, in arrival order.
  std::vector<ReceivedMail> mails() const;
  // Waits until at least n mails arrived (false on time-out).
  bool waitForMails(size_t n, std::chrono::milliseconds timeout) const;

 private:
  int listenFd_ = -1;
  uint16_t port_ = 0;
  hp::test::TempDir dir_;  // mail files, server log; removed with this object
  std::string mailDir_;
  pid_t pid_ = -1;
  int stdinFd_ = -1;
  int stdoutFd_ = -1;
};

}  // namespace hp::notices::test
