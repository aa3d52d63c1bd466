// How a notice leaves the machine: one call per mail, success only when the server accepted it
// for delivery (SMTP 250 after DATA). An interface so the mailer is tested with any transport;
// the real one is SmtpSender (libcurl).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace hp::notices {

struct MailMessage {
  std::string from;             // envelope sender (MAIL FROM), a plain addr-spec
  std::vector<std::string> to;  // envelope recipients (RCPT TO)
  std::string text;             // the complete RFC 5322 message, CRLF line ends
};

class MailSender {
 public:
  virtual ~MailSender() = default;
  // An Error says why (connection refused, the server's reply code); it never holds a password.
  virtual Result<void> send(const MailMessage& message) = 0;
};

}  // namespace hp::notices
