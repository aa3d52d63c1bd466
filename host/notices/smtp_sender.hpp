// MailSender over SMTP with libcurl: smtp://host:port (optionally upgraded with STARTTLS) or
// smtps://host:port (TLS from the first byte), optional login. One connection per mail: notices
// are rare, and a fresh connection never trips over a server that dropped an idle one.
#pragma once

#include <memory>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "host/notices/mail_sender.hpp"

namespace hp::notices {

struct SmtpConfig {
  std::string url;               // "smtp://host[:port]" or "smtps://host[:port]", no path or login
  bool requireStartTls = false;  // smtp:// only: refuse to send unless STARTTLS succeeds
  std::string caFile;            // PEM CAs for the server's certificate; empty: the system's
  std::string username;          // empty: no login
  SecretBytes password;          // wiped when the config goes away; never logged
  long timeoutSeconds = 30;      // connect and whole-transfer limit for one mail
};

class SmtpSender final : public MailSender {
 public:
  // Checks the config (scheme, host, no credentials or path in the URL, a password only with a
  // user name); a bad one is an Error naming the problem.
  static Result<std::unique_ptr<SmtpSender>> create(SmtpConfig config);
  Result<void> send(const MailMessage& message) override;

 private:
  explicit SmtpSender(SmtpConfig config) : config_(std::move(config)) {}
  SmtpConfig config_;
};

}  // namespace hp::notices
