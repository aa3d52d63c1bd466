#include "host/notices/notice_events.hpp"

#include "host/notices/notice_message.hpp"

namespace hp::notices {

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS notice_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " subject TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    " queued_ms INTEGER NOT NULL,"
    " sent_ms INTEGER)";

// Only printable ASCII goes into a mail; anything else becomes '?'.
std::string ascii(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += (c == '\n' || (c >= 0x20 && c < 0x7f)) ? c : '?';
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<NoticeEvents>> NoticeEvents::open(const std::string& path) {
  auto db = sqlite::Database::open(path);
  if (!db) return makeError("notice events: " + db.error().message);
  if (auto created = (*db)->exec(kSchema, "notice events: create the table"); !created) {
    return created.error();
  }
  return std::unique_ptr<NoticeEvents>(new NoticeEvents(std::move(*db)));
}

Result<int64_t> NoticeEvents::enqueue(const std::string& subject, const std::string& body,
                                      int64_t nowMs) {
  std::lock_guard lock(mutex_);
  auto insert = db_->prepare(
      "INSERT INTO notice_events (subject, body, queued_ms) VALUES (?, ?, ?) RETURNING id",
      "notice events: queue");
  if (!insert) return insert.error();
  insert->bind(1, ascii(subject)).bind(2, ascii(body)).bind(3, nowMs);
  auto row = insert->step();
  if (!row) return row.error();
  return insert->columnInt(0);
}

Result<std::vector<NoticeEvent>> NoticeEvents::pending() {
  std::lock_guard lock(mutex_);
  auto query = db_->prepare(
      "SELECT id, subject, body, attempts, next_attempt_ms FROM notice_events "
      "WHERE state = 'queued' ORDER BY id",
      "notice events: read");
  if (!query) return query.error();
  std::vector<NoticeEvent> events;
  while (true) {
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) break;
    events.push_back({query->columnInt(0), query->columnText(1), query->columnText(2),
                      static_cast<uint32_t>(query->columnInt(3)), query->columnInt(4)});
  }
  return events;
}

Result<void> NoticeEvents::markSent(int64_t id, int64_t nowMs) {
  std::lock_guard lock(mutex_);
  auto update = db_->prepare("UPDATE notice_events SET state = 'sent', sent_ms = ? WHERE id = ?",
                             "notice events: sent");
  if (!update) return update.error();
  update->bind(1, nowMs).bind(2, id);
  return update->run();
}

Result<void> NoticeEvents::markFailed(int64_t id, int64_t retryAtMs) {
  std::lock_guard lock(mutex_);
  auto update = db_->prepare(
      "UPDATE notice_events SET attempts = attempts + 1, next_attempt_ms = ? WHERE id = ?",
      "notice events: failed");
  if (!update) return update.error();
  update->bind(1, retryAtMs).bind(2, id);
  return update->run();
}

std::string composeEventMail(const NoticeEvent& event, const std::string& from,
                             const std::string& to, int64_t dateUnixMs) {
  const std::string crlf = "\r\n";
  std::string message;
  message += "Date: " + formatMailDate(dateUnixMs) + crlf;
  message += "From: " + from + crlf;
  message += "To: " + to + crlf;
  message += "Subject: " + event.subject + crlf;
  message += "Message-ID: <event-" + std::to_string(event.id) + "@homeproxy>" + crlf;
  message += "MIME-Version: 1.0" + crlf;
  message += "Content-Type: text/plain; charset=us-ascii" + crlf;
  message += "Content-Transfer-Encoding: 7bit" + crlf;
  message += "Auto-Submitted: auto-generated" + crlf + crlf;
  for (char c : event.body) {
    if (c == '\n') {
      message += crlf;
    } else {
      message += c;
    }
  }
  message += crlf + "-- " + crlf + "Mailed by your homeproxy home server." + crlf;
  return message;
}

}  // namespace hp::notices
