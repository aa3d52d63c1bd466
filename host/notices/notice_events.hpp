// Notices that are not purse movements (docs/proxy-architecture.md, "A lost access card"): a
// terminal revoked, by whom. One mail each, kept in the outbox's SQLite file (table
// notice_events) until the SMTP server accepted it, retried by the mailer like the purse's
// notices, always with the same Message-ID (<event-ID@homeproxy>).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "host/sqlite/sqlite_db.hpp"

namespace hp::notices {

struct NoticeEvent {
  int64_t id = 0;
  std::string subject;
  std::string body;  // plain text, lines separated by "\n"
  uint32_t attempts = 0;
  int64_t nextAttemptMs = 0;
};

class NoticeEvents {
 public:
  // The outbox's file (a second connection: WAL lets both write in turn).
  static Result<std::unique_ptr<NoticeEvents>> open(const std::string& path);
  Result<int64_t> enqueue(const std::string& subject, const std::string& body, int64_t nowMs);
  Result<std::vector<NoticeEvent>> pending();
  Result<void> markSent(int64_t id, int64_t nowMs);
  Result<void> markFailed(int64_t id, int64_t retryAtMs);

 private:
  explicit NoticeEvents(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}
  std::mutex mutex_;
  std::unique_ptr<sqlite::Database> db_;
};

// The RFC 5322 message of one event (7-bit text, CRLF).
std::string composeEventMail(const NoticeEvent& event, const std::string& from,
                             const std::string& to, int64_t dateUnixMs);

}  // namespace hp::notices
