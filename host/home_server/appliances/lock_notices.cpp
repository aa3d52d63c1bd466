#include "host/home_server/appliances/lock_notices.hpp"

#include <chrono>

#include "host/notices/notice_message.hpp"

namespace hp::home {

namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Header-safe: the values come from the home server's own words and checked names, but a
// terminal ID or a value must never end a header line.
std::string clean(const std::string& text) {
  std::string out;
  for (const char c : text.substr(0, 64)) out += (c >= ' ' && c <= '~') ? c : '?';
  return out;
}

}  // namespace

LockNotices::LockNotices(notices::MailSender& sender, std::string from, std::string to,
                         ServerLog& log)
    : sender_(sender), from_(std::move(from)), to_(std::move(to)), log_(log) {
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
    if (!queue_.empty()) {
      log_.warn("appliances: " + std::to_string(queue_.size()) + " lock notice(s) not mailed");
    }
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
  std::string text = "From: " + from_ + "\r\nTo: " + to_ + "\r\nSubject: homeproxy lock " + what +
                     "\r\nDate: " + notices::formatMailDate(now) + "\r\nMessage-ID: " + id +
                     "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
                     "Lock " + clean(appliance) + ": " + clean(value) + " requested by terminal " +
                     clean(terminal) + " at " + notices::formatIsoUtc(now) + "; outcome " +
                     clean(outcome) + ".\r\n";
  queue_.push_back(notices::MailMessage{from_, {to_}, std::move(text)});
  wake_.notify_all();
}

void LockNotices::run() {
  std::chrono::milliseconds backoff(500);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      continue;
    }
    notices::MailMessage message = queue_.front();
    lock.unlock();
    auto sent = sender_.send(message);
    lock.lock();
    if (sent) {
      queue_.pop_front();
      backoff = std::chrono::milliseconds(500);
      log_.info("appliances: lock notice mailed");
      continue;
    }
    log_.warn("appliances: lock notice not mailed yet: " + sent.error().message);
    wake_.wait_for(lock, backoff, [this] { return stopping_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(60'000));
  }
}

}  // namespace hp::home
