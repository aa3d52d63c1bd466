// Lock notices (docs/appliances.md, "Lock notices"): every answered lock or unlock is mailed to
// the owner like a payment notice, through the same SMTP settings, from the notices outbox file
// (notices.outbox_path): a table of its own there, lock_notices, so a notice queued before a
// crash or while the mail server is down is sent after the restart, once (a row is marked sent
// when the server accepted it; its Message-ID is fixed when it is queued). One sender thread
// with back-off, so a set never waits for the mail server. Without an outbox path (tests) the
// table lives in memory.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "host/home_server/core/server_log.hpp"
#include "host/notices/mail_sender.hpp"
#include "host/sqlite/sqlite_db.hpp"

namespace hp::home_server {

class LockNotices {
 public:
  // Opens (or creates) the table in `outboxPath` (empty: in memory) and starts the sender,
  // which first sends whatever an earlier run left unsent.
  static Result<std::unique_ptr<LockNotices>> create(notices::MailSender& sender,
                                                     const std::string& outboxPath,
                                                     std::string from, std::string to,
                                                     ServerLog& log);
  ~LockNotices();
  LockNotices(const LockNotices&) = delete;
  LockNotices& operator=(const LockNotices&) = delete;

  void lockChanged(const std::string& terminal, const std::string& appliance,
                   const std::string& value, const std::string& outcome);
  void stop();

 private:
  LockNotices(notices::MailSender& sender, std::string from, std::string to, ServerLog& log,
              std::unique_ptr<sqlite::Database> db);
  void run();
  // The oldest unsent notice (id, text), or id 0.
  std::pair<int64_t, std::string> nextUnsent();

  notices::MailSender& sender_;
  std::string from_, to_;
  ServerLog& log_;
  std::unique_ptr<sqlite::Database> db_;  // under mutex_
  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t sequence_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hp::home_server
