#include "host/notices/notice_mailer.hpp"

#include <algorithm>
#include <exception>
#include <iostream>

#include "host/notices/notice_message.hpp"

namespace hp::notices {

namespace {

constexpr int64_t kMinimumWaitMs = 50;  // never spin, even if the outbox keeps failing

std::string txnRange(const OutboxBatch& batch) {
  const uint32_t first = batch.entries.front().entry.txn;
  const uint32_t last = batch.entries.back().entry.txn;
  return first == last ? "txn " + std::to_string(first)
                       : "txn " + std::to_string(first) + "-" + std::to_string(last);
}

}  // namespace

int64_t retryDelayMs(const RetryPolicy& policy, uint32_t failedAttempts) {
  int64_t delay = std::max<int64_t>(policy.firstDelayMs, 1);
  for (uint32_t i = 1; i < failedAttempts && delay < policy.maxDelayMs; ++i) delay *= 2;
  return std::min(delay, policy.maxDelayMs);
}

Result<std::unique_ptr<NoticeMailer>> NoticeMailer::create(NoticeOutbox& outbox, MailSender& sender,
                                                           WallClock& clock,
                                                           NoticeMailerConfig config,
                                                           NoticeLogSink log) {
  if (!validMailAddress(config.from)) {
    return makeError("notices: 'from' is not a plain mail address (local@domain)");
  }
  if (!validMailAddress(config.to)) {
    return makeError("notices: 'to' is not a plain mail address (local@domain)");
  }
  if (config.maxEntriesPerMail == 0) return makeError("notices: at least one entry per mail");
  if (config.retry.firstDelayMs <= 0 || config.retry.maxDelayMs < config.retry.firstDelayMs) {
    return makeError("notices: retry delays must be positive, the maximum at least the first");
  }
  return std::unique_ptr<NoticeMailer>(
      new NoticeMailer(outbox, sender, clock, std::move(config), std::move(log)));
}

NoticeMailer::NoticeMailer(NoticeOutbox& outbox, MailSender& sender, WallClock& clock,
                           NoticeMailerConfig config, NoticeLogSink log)
    : outbox_(outbox),
      sender_(sender),
      clock_(clock),
      config_(std::move(config)),
      log_(std::move(log)) {}

NoticeMailer::~NoticeMailer() {
  stop();
}

void NoticeMailer::log(NoticeLogLevel level, const std::string& line) {
  if (log_) {
    log_(level, line);
  } else {
    std::cerr << line << '\n';
  }
}

Result<FlushResult> NoticeMailer::flush() {
  std::lock_guard<std::mutex> lock(flushMutex_);
  auto batches = outbox_.pendingBatches(config_.maxEntriesPerMail);
  if (!batches) return batches.error();
  // The due batches in txn order; the ones in back-off follow only once the server has accepted
  // a mail in this flush (it is up again, no reason to wait).
  std::vector<const OutboxBatch*> queue;
  std::vector<const OutboxBatch*> backingOff;
  const int64_t start = clock_.nowUnixMs();
  for (const auto& batch : *batches) {
    (batch.nextAttemptMs <= start ? queue : backingOff).push_back(&batch);
  }
  FlushResult result;
  result.mailsWaiting = batches->size();
  bool serverUp = false;
  for (size_t i = 0; i < queue.size(); ++i) {
    const OutboxBatch& batch = *queue[i];
    const int64_t now = clock_.nowUnixMs();
    MailMessage mail{
        config_.from, {config_.to}, composeNotice(batch, config_.from, config_.to, now)};
    auto sent = sender_.send(mail);
    if (!sent) {
      const uint32_t attempts = batch.attempts + 1;
      const int64_t delay = retryDelayMs(config_.retry, attempts);
      auto marked = outbox_.markFailed(batch, now + delay, sent.error().message);
      ++result.mailsFailed;
      log(NoticeLogLevel::kWarn, "notice " + batch.messageId + " (" + txnRange(batch) +
                                     ") not mailed, attempt " + std::to_string(attempts) + ": " +
                                     sent.error().message + "; kept queued, next attempt in " +
                                     std::to_string((delay + 999) / 1000) + " s");
      if (!marked) return marked.error();
      break;
    }
    auto marked = outbox_.markSent(batch);
    if (!marked) {
      // Accepted but not recorded: it will go once more, with the same Message-ID.
      log(NoticeLogLevel::kError, "notice " + batch.messageId +
                                      " was accepted but could not be marked sent (it will be "
                                      "mailed again): " +
                                      marked.error().message);
      return marked.error();
    }
    ++result.mailsSent;
    --result.mailsWaiting;
    result.entriesSent += batch.entries.size();
    const size_t n = batch.entries.size();
    log(NoticeLogLevel::kInfo, "notice " + batch.messageId + " mailed (" + txnRange(batch) + ", " +
                                   std::to_string(n) + (n == 1 ? " entry)" : " entries)"));
    if (!serverUp) {
      serverUp = true;
      queue.insert(queue.end(), backingOff.begin(), backingOff.end());
    }
  }
  if (auto events = flushEvents(result); !events) return events.error();
  return result;
}

Result<void> NoticeMailer::flushEvents(FlushResult& result) {
  if (!events_) return {};
  auto pending = events_->pending();
  if (!pending) return pending.error();
  for (const NoticeEvent& event : *pending) {
    const int64_t now = clock_.nowUnixMs();
    if (event.nextAttemptMs > now) continue;
    MailMessage mail{
        config_.from, {config_.to}, composeEventMail(event, config_.from, config_.to, now)};
    if (auto sent = sender_.send(mail); !sent) {
      ++result.mailsFailed;
      log(NoticeLogLevel::kWarn, "notice <event-" + std::to_string(event.id) +
                                     "@homeproxy> not mailed: " + sent.error().message);
      return events_->markFailed(event.id, now + retryDelayMs(config_.retry, event.attempts + 1));
    }
    if (auto marked = events_->markSent(event.id, now); !marked) return marked;
    ++result.mailsSent;
    log(NoticeLogLevel::kInfo,
        "notice <event-" + std::to_string(event.id) + "@homeproxy> mailed (" + event.subject + ")");
  }
  return {};
}

void NoticeMailer::start(std::chrono::milliseconds period, std::function<void()> collect) {
  stop();
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    stopping_ = false;
    kicked_ = true;  // a first flush straight away: entries left from the last run go out
  }
  thread_ = std::thread([this, period, collect = std::move(collect)] { run(period, collect); });
}

void NoticeMailer::kick() {
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    kicked_ = true;
  }
  wake_.notify_one();
}

void NoticeMailer::stop() {
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void NoticeMailer::run(std::chrono::milliseconds period, const std::function<void()>& collect) {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(wakeMutex_);
      if (stopping_) return;
      kicked_ = false;
    }
    if (collect) {
      // The home server's card code; whatever it throws must not end the daemon through this
      // thread, nor stop the mailing of what is already queued.
      try {
        collect();
      } catch (const std::exception& e) {
        log(NoticeLogLevel::kError,
            std::string("notices: collecting log entries failed: ") + e.what());
      } catch (...) {
        log(NoticeLogLevel::kError, "notices: collecting log entries failed");
      }
    }
    auto flushed = flush();
    if (!flushed) log(NoticeLogLevel::kError, "notices: " + flushed.error().message);

    // Sleep until the period ends or the earliest back-off ends, whichever is first.
    const int64_t now = clock_.nowUnixMs();
    int64_t waitMs = std::max<int64_t>(period.count(), kMinimumWaitMs);
    if (auto earliest = outbox_.earliestAttemptMs(); earliest && *earliest) {
      waitMs = std::clamp<int64_t>(**earliest - now, kMinimumWaitMs, waitMs);
    }
    std::unique_lock<std::mutex> lock(wakeMutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(waitMs),
                   [this] { return stopping_ || kicked_; });
  }
}

}  // namespace hp::notices
