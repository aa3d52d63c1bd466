#include "host/home_server/appliances/lock_notices.hpp"

#include <algorithm>
#include <chrono>

#include "host/notices/notice_message.hpp"

namespace hp::home_server {

namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Header-safe: a terminal ID or a value must never end a header line.
std::string clean(const std::string& text) {
  std::string out;
  for (const char c : text.substr(0, 64)) out += (c >= ' ' && c <= '~') ? c : '?';
  return out;
}

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS lock_notices ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " message_id TEXT NOT NULL UNIQUE,"
    " text TEXT NOT NULL,"
    " queued_ms INTEGER NOT NULL,"
    " sent_ms INTEGER,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT)";

}  // namespace

Result<std::unique_ptr<LockNotices>> LockNotices::create(notices::MailSender& sender,
                                                         const std::string& outboxPath,
                                                         std::string from, std::string to,
                                                         ServerLog& log) {
  auto db = sqlite::Database::open(outboxPath.empty() ? ":memory:" : outboxPath);
  if (!db) return makeError("lock notices: " + db.error().message);
  if (auto made = (*db)->exec(kSchema, "lock notices"); !made) return made.error();
  return std::unique_ptr<LockNotices>(
      new LockNotices(sender, std::move(from), std::move(to), log, std::move(db.value())));
}

LockNotices::LockNotices(notices::MailSender& sender, std::string from, std::string to,
                         ServerLog& log, std::unique_ptr<sqlite::Database> db)
    : sender_(sender), from_(std::move(from)), to_(std::move(to)), log_(log), db_(std::move(db)) {
  thread_ = std::thread([this] { run(); });
}

LockNotices::~LockNotices() {
  stop();
}

void LockNotices::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LockNotices::lockChanged(const std::string& terminal, const std::string& appliance,
                              const std::string& value, const std::string& outcome) {
  const int64_t now = nowMs();
  std::lock_guard lock(mutex_);
  const std::string what = clean(appliance) + ": " + clean(value) + " " + clean(outcome);
  const std::string id =
      "<lock-" + std::to_string(now) + "-" + std::to_string(++sequence_) + "@homeproxy>";
  const std::string text =
      "From: " + from_ + "\r\nTo: " + to_ + "\r\nSubject: homeproxy lock " + what +
      "\r\nDate: " + notices::formatMailDate(now) + "\r\nMessage-ID: " + id +
      "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + "Lock " +
      clean(appliance) + ": " + clean(value) + " requested by terminal " + clean(terminal) +
      " at " + notices::formatIsoUtc(now) + "; outcome " + clean(outcome) + ".\r\n";
  auto insert = db_->prepare(
      "INSERT INTO lock_notices (message_id, text, queued_ms) VALUES (?1, ?2, ?3)", "lock notices");
  Result<void> queued =
      insert ? insert->bind(1, id).bind(2, text).bind(3, now).run() : Result<void>(insert.error());
  if (!queued) {
    log_.error("appliances: lock notice not queued: " + queued.error().message);
    return;
  }
  wake_.notify_all();
}

std::pair<int64_t, std::string> LockNotices::nextUnsent() {
  auto select =
      db_->prepare("SELECT id, text FROM lock_notices WHERE sent_ms IS NULL ORDER BY id LIMIT 1",
                   "lock notices");
  if (!select) return {0, ""};
  auto row = select->step();
  if (!row || !*row) return {0, ""};
  return {select->columnInt(0), select->columnText(1)};
}

void LockNotices::run() {
  std::chrono::milliseconds backoff(500);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto [id, text] = nextUnsent();
    if (id == 0) {
      wake_.wait_for(lock, std::chrono::seconds(60));
      continue;
    }
    lock.unlock();
    auto sent = sender_.send(notices::MailMessage{from_, {to_}, text});
    lock.lock();
    auto mark = db_->prepare(
        sent ? "UPDATE lock_notices SET sent_ms = ?2 WHERE id = ?1"
             : "UPDATE lock_notices SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
        "lock notices");
    if (mark) {
      if (sent) {
        (void)mark->bind(1, id).bind(2, nowMs()).run();
      } else {
        (void)mark->bind(1, id).bind(2, sent.error().message.substr(0, 200)).run();
      }
    }
    if (sent) {
      backoff = std::chrono::milliseconds(500);
      log_.info("appliances: lock notice mailed");
      continue;
    }
    log_.warn("appliances: lock notice not mailed yet: " + sent.error().message);
    wake_.wait_for(lock, backoff, [this] { return stopping_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(60'000));
  }
}

}  // namespace hp::home_server
