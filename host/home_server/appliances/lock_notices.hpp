// Lock notices (docs/appliances.md, "Lock notices"): every answered lock or unlock is mailed to
// the owner like a payment notice, through the same SMTP settings. A queue in memory with one
// sender thread that retries with back-off, so a set never waits for the mail server.
// Not durable: a notice still queued when the server stops is lost (logged at stop).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "host/home_server/core/server_log.hpp"
#include "host/notices/mail_sender.hpp"

namespace hp::home {

class LockNotices {
 public:
  LockNotices(notices::MailSender& sender, std::string from, std::string to, ServerLog& log);
  ~LockNotices();
  LockNotices(const LockNotices&) = delete;
  LockNotices& operator=(const LockNotices&) = delete;

  void lockChanged(const std::string& terminal, const std::string& appliance,
                   const std::string& value, const std::string& outcome);
  void stop();

 private:
  void run();

  notices::MailSender& sender_;
  std::string from_, to_;
  ServerLog& log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<notices::MailMessage> queue_;
  uint64_t sequence_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hp::home
