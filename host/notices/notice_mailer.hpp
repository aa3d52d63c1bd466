// Mails the outbox's queued notices (docs/emoney.md, "Payment notices"). One mail per batch (the
// entries of one purse queued since the last flush, up to maxEntriesPerMail), sent in txn order,
// each marked sent in its own transaction right after the SMTP server accepted it.
//
// A failed send (connection refused, a 4xx or 5xx reply, a time-out) leaves the batch queued and
// logs one line; no queued entry is tried again before an exponential back-off (5 s, 10 s, 20 s,
// ... capped at 10 min, counted per batch) has passed. Once the server has accepted a mail in a
// flush, the remaining batches are sent at once too, back-off or not: it is up again.
//
// Crash semantics: the one window is between the server's acceptance and the commit of the sent
// mark; a process killed there mails that batch once more, with the same Message-ID. Everything
// else is exact: queued entries survive restarts, nothing is marked sent that the server did not
// accept.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.hpp"
#include "host/notices/mail_sender.hpp"
#include "host/notices/notice_events.hpp"
#include "host/notices/notice_outbox.hpp"
#include "host/notices/wall_clock.hpp"

namespace hp::notices {

struct RetryPolicy {
  int64_t firstDelayMs = 5'000;
  int64_t maxDelayMs = 600'000;
};

// The wait after the n-th failed attempt (n >= 1): firstDelayMs * 2^(n-1), at most maxDelayMs.
int64_t retryDelayMs(const RetryPolicy& policy, uint32_t failedAttempts);

struct NoticeMailerConfig {
  std::string from;  // plain addr-spec, e.g. "homeproxy@example.org"
  std::string to;    // the user's address
  size_t maxEntriesPerMail = 16;
  RetryPolicy retry;
};

enum class NoticeLogLevel { kInfo, kWarn, kError };
// One line per event (sent, failed with the next attempt time, outbox trouble); never a secret.
using NoticeLogSink = std::function<void(NoticeLogLevel level, std::string_view line)>;

struct FlushResult {
  size_t mailsSent = 0;
  size_t entriesSent = 0;
  size_t mailsFailed = 0;   // 0 or 1: a flush stops at the first failure
  size_t mailsWaiting = 0;  // still queued after this flush (back-off, or behind a failure)
};

class NoticeMailer {
 public:
  // The outbox, sender and clock must outlive the mailer. Refuses bad addresses or a zero cap.
  static Result<std::unique_ptr<NoticeMailer>> create(NoticeOutbox& outbox, MailSender& sender,
                                                      WallClock& clock, NoticeMailerConfig config,
                                                      NoticeLogSink log = nullptr);
  ~NoticeMailer();  // stop()
  NoticeMailer(const NoticeMailer&) = delete;
  NoticeMailer& operator=(const NoticeMailer&) = delete;

  // Sends every due batch now, on the caller's thread (one flush at a time). An Error only for
  // outbox (SQLite) trouble; SMTP failures are counted in the result and logged.
  Result<FlushResult> flush();

  // A background thread that flushes every `period`, when a back-off ends, and on kick().
  // `collect`, if given, runs on that thread before each flush: the home server's READ LOG into
  // the outbox, so a kick() after a payment both reads and mails the new entry.
  void start(std::chrono::milliseconds period, std::function<void()> collect = nullptr);
  // Events (notice_events.hpp) mailed by each flush after the purse's notices; set before
  // start(), must outlive the mailer. May stay unset.
  void setEvents(NoticeEvents* events) { events_ = events; }
  // Wakes the thread for a flush now (after each payment). Cheap; safe from any thread.
  void kick();
  // Stops and joins the thread (a send in progress finishes first). Idempotent.
  void stop();

 private:
  NoticeMailer(NoticeOutbox& outbox, MailSender& sender, WallClock& clock,
               NoticeMailerConfig config, NoticeLogSink log);
  void run(std::chrono::milliseconds period, const std::function<void()>& collect);
  void log(NoticeLogLevel level, const std::string& line);
  Result<void> flushEvents(FlushResult& result);

  NoticeOutbox& outbox_;
  NoticeEvents* events_ = nullptr;
  MailSender& sender_;
  WallClock& clock_;
  NoticeMailerConfig config_;
  NoticeLogSink log_;

  std::mutex flushMutex_;
  std::mutex wakeMutex_;
  std::condition_variable wake_;
  bool kicked_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hp::notices
