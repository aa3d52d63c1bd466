// Notices beyond the purse (notice_events.hpp) and the till's terminal on a payment's notice:
// an event is mailed once, with a fixed Message-ID, kept and retried when the server refuses;
// a noted terminal appears in its entry's mail and only there.
#include <doctest.h>

#include <deque>

#include "host/notices/notice_mailer.hpp"
#include "tests/notices/sample_entries.hpp"
#include "tests/notices/scratch_dir.hpp"

using namespace hp;
using namespace hp::notices;
using namespace hp::notices::test;

namespace {

class RecordingSender final : public MailSender {
 public:
  Result<void> send(const MailMessage& message) override {
    if (failNext > 0) {
      --failNext;
      return makeError("421 try later");
    }
    accepted.push_back(message.text);
    return {};
  }
  int failNext = 0;
  std::vector<std::string> accepted;
};

}  // namespace

TEST_SUITE("outbox") {
  TEST_CASE("events: a revocation is mailed once, kept while the server refuses") {
    ScratchDir dir;
    ManualWallClock clock{1'796'119'200'000};
    auto outbox = std::move(NoticeOutbox::open(dir.file("outbox.db"), clock).value());
    auto events = std::move(NoticeEvents::open(dir.file("outbox.db")).value());
    RecordingSender sender;
    auto mailer = std::move(NoticeMailer::create(*outbox, sender, clock,
                                                 {"home@example.org", "user@example.org", 16, {}})
                                .value());
    mailer->setEvents(events.get());
    REQUIRE(events->enqueue("homeproxy: terminal till-1 revoked", "by terminal phone-1\n", 1).ok());
    sender.failNext = 1;
    REQUIRE(mailer->flush().ok());
    CHECK(sender.accepted.empty());
    CHECK(events->pending()->size() == 1);
    clock.advanceMs(10 * 60 * 1000);
    REQUIRE(mailer->flush().ok());
    REQUIRE(sender.accepted.size() == 1);
    CHECK(sender.accepted[0].find("Subject: homeproxy: terminal till-1 revoked\r\n") !=
          std::string::npos);
    CHECK(sender.accepted[0].find("Message-ID: <event-1@homeproxy>") != std::string::npos);
    CHECK(events->pending()->empty());
    REQUIRE(mailer->flush().ok());
    CHECK(sender.accepted.size() == 1);  // once

    // A till's payment: the noted terminal is in that entry's mail.
    REQUIRE(outbox->noteTerminal(kPurseId, 2, "till-1").ok());
    REQUIRE(outbox->enqueue(kPurseId, {debitEntry(1, 100, 900), debitEntry(2, 350, 550)}).ok());
    REQUIRE(mailer->flush().ok());
    REQUIRE(sender.accepted.size() == 2);
    const std::string& mail = sender.accepted[1];
    const size_t at = mail.find("at till:");
    REQUIRE(at != std::string::npos);
    CHECK(mail.find("till-1", at) != std::string::npos);
    CHECK(at > mail.find("txn 2:"));  // under txn 2, not txn 1
    CHECK(mail.find("at till:", at + 1) == std::string::npos);
  }
}
