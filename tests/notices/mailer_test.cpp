// The mailer's policy with a scripted transport and a manual clock: what is sent when, the
// back-off after failures, that a failure never marks anything sent, and the background thread.
// (tests/notices/smtp_test.cpp does the same against a real SMTP server.)
#include <doctest.h>

#include <deque>
#include <map>
#include <thread>

#include "host/notices/notice_mailer.hpp"
#include "tests/notices/mail_text.hpp"
#include "tests/notices/sample_entries.hpp"
#include "tests/notices/scratch_dir.hpp"

using namespace hp;
using namespace hp::notices;
using namespace hp::notices::test;

namespace {

// Accepts or refuses each mail as told (default: accept), and keeps what it accepted.
class ScriptedSender final : public MailSender {
 public:
  Result<void> send(const MailMessage& message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++attempts_;
    if (!failures_.empty()) {
      std::string why = failures_.front();
      failures_.pop_front();
      return makeError(why);
    }
    accepted_.push_back(message);
    return {};
  }
  void failNext(const std::string& why, int times = 1) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int i = 0; i < times; ++i) failures_.push_back(why);
  }
  std::vector<MailMessage> accepted() {
    std::lock_guard<std::mutex> lock(mutex_);
    return accepted_;
  }
  int attempts() {
    std::lock_guard<std::mutex> lock(mutex_);
    return attempts_;
  }

 private:
  std::mutex mutex_;
  std::deque<std::string> failures_;
  std::vector<MailMessage> accepted_;
  int attempts_ = 0;
};

// By value: a range-for over rows(...).value() would outlive the temporary Result.
std::vector<NoticeRow> rowsOf(NoticeOutbox& outbox) {
  auto rows = outbox.rows(kPurseId);
  REQUIRE(rows.ok());
  return std::move(*rows);
}

struct Fixture {
  ScratchDir dir;
  ManualWallClock clock{1'796'119'200'000};
  std::unique_ptr<NoticeOutbox> outbox;
  ScriptedSender sender;
  std::vector<std::string> log;
  std::mutex logMutex;
  std::unique_ptr<NoticeMailer> mailer;

  explicit Fixture(size_t perMail = 16) {
    outbox = std::move(NoticeOutbox::open(dir.file("outbox.db"), clock).value());
    NoticeMailerConfig config{"home@example.org", "user@example.org", perMail, {}};
    auto made = NoticeMailer::create(*outbox, sender, clock, config,
                                     [this](NoticeLogLevel, std::string_view line) {
                                       std::lock_guard<std::mutex> lock(logMutex);
                                       log.emplace_back(line);
                                     });
    REQUIRE(made.ok());
    mailer = std::move(*made);
  }
  void enqueue(uint32_t first, uint32_t last) {
    std::vector<protocol::purse::LogEntry> entries;
    for (uint32_t t = first; t <= last; ++t) entries.push_back(debitEntry(t, 100, 10000 - t));
    REQUIRE(outbox->enqueue(kPurseId, entries).ok());
  }
  FlushResult flush() {
    auto result = mailer->flush();
    INFO((result ? "" : result.error().message));
    REQUIRE(result.ok());
    return *result;
  }
  std::string lastLog() {
    std::lock_guard<std::mutex> lock(logMutex);
    return log.empty() ? "" : log.back();
  }
};

}  // namespace

TEST_SUITE("mailer") {
  TEST_CASE("the back-off doubles from 5 s and stops at 10 min") {
    const RetryPolicy policy;
    CHECK(retryDelayMs(policy, 1) == 5'000);
    CHECK(retryDelayMs(policy, 2) == 10'000);
    CHECK(retryDelayMs(policy, 3) == 20'000);
    CHECK(retryDelayMs(policy, 7) == 320'000);
    CHECK(retryDelayMs(policy, 8) == 600'000);
    CHECK(retryDelayMs(policy, 1000) == 600'000);
  }

  TEST_CASE("queued entries go out as one mail per batch, once") {
    Fixture f(2);
    f.enqueue(1, 3);
    const auto result = f.flush();
    CHECK(result.mailsSent == 2);
    CHECK(result.entriesSent == 3);
    CHECK(result.mailsFailed == 0);
    CHECK(result.mailsWaiting == 0);
    const auto mails = f.sender.accepted();
    REQUIRE(mails.size() == 2);
    CHECK(mails[0].from == "home@example.org");
    CHECK(mails[0].to == std::vector<std::string>{"user@example.org"});
    CHECK(headerOf(mails[0].text, "Message-ID") == "<0123456789ABCDEF-1-2@homeproxy>");
    CHECK(headerOf(mails[1].text, "Message-ID") == "<0123456789ABCDEF-3@homeproxy>");
    CHECK(f.lastLog() == "notice <0123456789ABCDEF-3@homeproxy> mailed (txn 3, 1 entry)");
    for (const auto& row : rowsOf(*f.outbox)) CHECK(row.sent);
    // Nothing left: a second flush sends nothing.
    CHECK(f.flush().mailsSent == 0);
    CHECK(f.sender.attempts() == 2);
  }

  TEST_CASE("a failure keeps everything queued and waits out the back-off") {
    Fixture f(1);
    f.enqueue(1, 2);
    f.sender.failNext("SMTP: Couldn't connect to server", 2);
    auto result = f.flush();
    CHECK(result.mailsSent == 0);
    CHECK(result.mailsFailed == 1);
    CHECK(result.mailsWaiting == 2);
    CHECK(f.sender.attempts() == 1);  // stops at the first failure
    CHECK(f.lastLog() ==
          "notice <0123456789ABCDEF-1@homeproxy> (txn 1) not mailed, attempt 1: SMTP: Couldn't "
          "connect to server; kept queued, next attempt in 5 s");
    for (const auto& row : rowsOf(*f.outbox)) CHECK_FALSE(row.sent);

    // Within the back-off nothing is tried.
    f.clock.advanceMs(4'999);
    result = f.flush();
    CHECK(result.mailsWaiting == 2);
    CHECK(f.sender.attempts() == 1);

    // Second failure: 10 s.
    f.clock.advanceMs(1);
    CHECK(f.flush().mailsFailed == 1);
    CHECK(f.sender.attempts() == 2);
    CHECK(f.lastLog().find("attempt 2") != std::string::npos);
    CHECK(f.lastLog().find("next attempt in 10 s") != std::string::npos);
    f.clock.advanceMs(9'999);
    f.flush();
    CHECK(f.sender.attempts() == 2);

    // Up again: both go, each once, the first with the Message-ID fixed before its first try.
    f.clock.advanceMs(1);
    result = f.flush();
    CHECK(result.mailsSent == 2);
    CHECK(result.mailsWaiting == 0);
    const auto mails = f.sender.accepted();
    REQUIRE(mails.size() == 2);
    CHECK(headerOf(mails[0].text, "Message-ID") == "<0123456789ABCDEF-1@homeproxy>");
    CHECK(headerOf(mails[1].text, "Message-ID") == "<0123456789ABCDEF-2@homeproxy>");
    const auto rows = f.outbox->rows(kPurseId).value();
    CHECK(rows[0].attempts == 2);
    CHECK(rows[1].attempts == 0);
    CHECK(rows[0].sentMs == std::optional<int64_t>(f.clock.nowUnixMs()));
  }

  TEST_CASE("a new entry is tried at once; when it goes, the postponed ones follow") {
    Fixture f;
    f.enqueue(1, 1);
    f.sender.failNext("SMTP: Failure when receiving data from the peer (server reply 451)");
    CHECK(f.flush().mailsFailed == 1);
    f.clock.advanceMs(1'000);  // still in the back-off
    f.enqueue(2, 2);
    const auto result = f.flush();
    CHECK(result.mailsSent == 2);
    const auto mails = f.sender.accepted();
    REQUIRE(mails.size() == 2);
    // The new entry first (it was due), then the one in back-off (the server is up again).
    CHECK(headerOf(mails[0].text, "Message-ID") == "<0123456789ABCDEF-2@homeproxy>");
    CHECK(headerOf(mails[1].text, "Message-ID") == "<0123456789ABCDEF-1@homeproxy>");
  }

  TEST_CASE("entries queued after a failed batch do not join it") {
    Fixture f;
    f.enqueue(1, 2);
    f.sender.failNext("SMTP: timeout");
    CHECK(f.flush().mailsFailed == 1);
    f.enqueue(3, 4);
    f.clock.advanceMs(5'000);
    CHECK(f.flush().mailsSent == 2);
    const auto mails = f.sender.accepted();
    REQUIRE(mails.size() == 2);
    CHECK(headerOf(mails[0].text, "Message-ID") == "<0123456789ABCDEF-1-2@homeproxy>");
    CHECK(headerOf(mails[1].text, "Message-ID") == "<0123456789ABCDEF-3-4@homeproxy>");
  }

  TEST_CASE("bad addresses and settings are refused when the mailer is made") {
    ScratchDir dir;
    ManualWallClock clock(0);
    auto outbox = std::move(NoticeOutbox::open(dir.file("outbox.db"), clock).value());
    ScriptedSender sender;
    auto make = [&](NoticeMailerConfig config) {
      return NoticeMailer::create(*outbox, sender, clock, std::move(config));
    };
    auto badFrom = make({"not an address", "user@example.org", 16, {}});
    REQUIRE_FALSE(badFrom.ok());
    CHECK(badFrom.error().message.find("'from'") != std::string::npos);
    auto badTo = make({"home@example.org", "user@example.org\r\nBcc: x@y", 16, {}});
    REQUIRE_FALSE(badTo.ok());
    CHECK(badTo.error().message.find("'to'") != std::string::npos);
    CHECK_FALSE(make({"home@example.org", "user@example.org", 0, {}}).ok());
    CHECK_FALSE(make({"home@example.org", "user@example.org", 16, {0, 10}}).ok());
    CHECK_FALSE(make({"home@example.org", "user@example.org", 16, {10, 5}}).ok());
  }

  TEST_CASE("the thread flushes at start, on kick, and after a back-off; stop joins") {
    ScratchDir dir;
    SystemWallClock clock;
    auto outbox = std::move(NoticeOutbox::open(dir.file("outbox.db"), clock).value());
    ScriptedSender sender;
    NoticeMailerConfig config{"home@example.org", "user@example.org", 16, {100, 200}};
    auto mailer = std::move(
        NoticeMailer::create(*outbox, sender, clock, config, [](NoticeLogLevel, std::string_view) {
        }).value());
    auto waitFor = [&](size_t mails) {
      for (int i = 0; i < 500 && sender.accepted().size() < mails; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return sender.accepted().size();
    };
    REQUIRE(outbox->enqueue(kPurseId, {debitEntry(1, 100, 900)}).ok());
    std::atomic<int> collected{0};
    // A long period: anything sent below is due to start, kick or the back-off, not the timer.
    mailer->start(std::chrono::minutes(10), [&] { ++collected; });
    CHECK(waitFor(1) == 1);

    REQUIRE(outbox->enqueue(kPurseId, {debitEntry(2, 100, 800)}).ok());
    mailer->kick();
    CHECK(waitFor(2) == 2);

    sender.failNext("SMTP: Couldn't connect to server");
    REQUIRE(outbox->enqueue(kPurseId, {debitEntry(3, 100, 700)}).ok());
    mailer->kick();
    CHECK(waitFor(3) == 3);  // retried by the thread after the 100 ms back-off, no kick
    CHECK(sender.attempts() == 4);
    CHECK(collected.load() >= 3);
    mailer->stop();
    mailer->stop();  // idempotent
    for (const auto& row : rowsOf(*outbox)) CHECK(row.sent);
  }

  TEST_CASE("many readers of the same log, one mailer thread: every entry mailed exactly once") {
    ScratchDir dir;
    SystemWallClock clock;
    auto outbox = std::move(NoticeOutbox::open(dir.file("outbox.db"), clock).value());
    ScriptedSender sender;
    NoticeMailerConfig config{"home@example.org", "user@example.org", 4, {20, 40}};
    auto mailer = std::move(
        NoticeMailer::create(*outbox, sender, clock, config, [](NoticeLogLevel, std::string_view) {
        }).value());
    sender.failNext("SMTP: Couldn't connect to server", 3);  // some back-off on the way
    mailer->start(std::chrono::milliseconds(30));
    constexpr uint32_t kEntries = 120;
    constexpr int kReaders = 4;
    std::vector<std::thread> readers;
    readers.reserve(kReaders);
    for (int r = 0; r < kReaders; ++r) {
      // Each reader re-reads overlapping windows of the log, as repeated READ LOGs would.
      readers.emplace_back([&, r] {
        for (uint32_t from = 1 + r; from <= kEntries; from += 7) {
          std::vector<protocol::purse::LogEntry> window;
          for (uint32_t t = from; t < from + 10 && t <= kEntries; ++t) {
            window.push_back(debitEntry(t, 100, 100000 - 100 * t));
          }
          CHECK(outbox->enqueue(kPurseId, window).ok());  // CHECK: no throw off the main thread
          mailer->kick();
        }
      });
    }
    for (auto& reader : readers) reader.join();
    std::map<uint32_t, int> mailed;
    for (int i = 0; i < 500; ++i) {
      mailed.clear();
      for (const auto& mail : sender.accepted()) {
        const auto body = bodyOf(mail.text);
        for (size_t at = body.find("\r\ntxn "); at != std::string::npos;
             at = body.find("\r\ntxn ", at + 1)) {
          ++mailed[static_cast<uint32_t>(std::stoul(body.substr(at + 6)))];
        }
        if (body.rfind("txn ", 0) == 0) ++mailed[static_cast<uint32_t>(std::stoul(body.substr(4)))];
      }
      if (mailed.size() == kEntries) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    mailer->stop();
    CHECK(mailed.size() == kEntries);
    for (const auto& item : mailed) {  // no structured binding: INFO captures it (clang 14)
      INFO("txn " << item.first);
      CHECK(item.second == 1);
    }
    CHECK(outbox->lastQueuedTxn(kPurseId).value() == kEntries);
    for (const auto& row : rowsOf(*outbox)) CHECK(row.sent);
  }
}
