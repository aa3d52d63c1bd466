// End to end against a real SMTP server (aiosmtpd on 127.0.0.1, kernel-chosen port): the outbox,
// the mailer and libcurl deliver each entry exactly once with the right envelope, headers and
// body; a server that is down or answers 451 loses nothing and gets the mail once after the
// back-off; a login is used without showing the password anywhere.
#include <doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "host/notices/notice_mailer.hpp"
#include "host/notices/smtp_sender.hpp"
#include "tests/notices/mail_text.hpp"
#include "tests/notices/sample_entries.hpp"
#include "tests/notices/smtp_test_server.hpp"
#include "tests/tls_proxy/test_pki.hpp"

using namespace hp;
using namespace hp::notices;
using namespace hp::notices::test;

namespace {

constexpr int64_t kStartMs = 1'796'119'260'000;  // 2026-12-01T10:01:00Z

struct Stack {
  explicit Stack(SmtpTestServer& server, SmtpConfig smtp = {}) : server(server) {
    if (smtp.url.empty()) smtp.url = server.url();
    smtp.timeoutSeconds = 10;
    auto made = SmtpSender::create(std::move(smtp));
    INFO((made ? "" : made.error().message));
    REQUIRE(made.ok());
    sender = std::move(*made);
    open();
  }
  // (Re)opens outbox and mailer on the same file, as a restarted home server would.
  void open() {
    mailer.reset();
    outbox.reset();
    outbox = std::move(NoticeOutbox::open(server.scratchDir() + "/outbox.db", clock).value());
    NoticeMailerConfig config{"homeproxy@home.example", "user@example.org", 16, {}};
    mailer = std::move(NoticeMailer::create(*outbox, *sender, clock, config,
                                            [this](NoticeLogLevel, std::string_view line) {
                                              log.emplace_back(line);
                                            })
                           .value());
  }
  FlushResult flush() {
    auto result = mailer->flush();
    INFO((result ? "" : result.error().message));
    INFO("last mailer log line: " << (log.empty() ? "" : log.back()));
    REQUIRE(result.ok());
    return *result;
  }

  SmtpTestServer& server;
  ManualWallClock clock{kStartMs};
  std::unique_ptr<SmtpSender> sender;
  std::unique_ptr<NoticeOutbox> outbox;
  std::unique_ptr<NoticeMailer> mailer;
  std::vector<std::string> log;
};

std::vector<protocol::purse::LogEntry> history() {
  return {creditEntry(1, 10000, 10000, 1), debitEntry(2, 1250, 8750, "ORDER-42"),
          refundEntry(3, 1250, 10000, 2, "ORDER-42")};
}

// Stands for `kill -9` at one instant of a send: the process ends with _exit (no destructor, no
// commit) just before handing the mail to the server, or just after the server accepted it.
class DyingSender final : public MailSender {
 public:
  enum class When { kBeforeSend, kAfterAccept };
  DyingSender(MailSender& inner, When when) : inner_(inner), when_(when) {}
  Result<void> send(const MailMessage& message) override {
    if (when_ == When::kBeforeSend) _exit(42);
    auto sent = inner_.send(message);
    if (sent) _exit(42);
    return sent;
  }

 private:
  MailSender& inner_;
  When when_;
};

// Runs one flush in a child process that dies at `when`; true if it died there.
bool flushAndDie(const std::string& outboxPath, SmtpSender& smtp, DyingSender::When when) {
  const pid_t pid = fork();
  if (pid == 0) {
    ManualWallClock clock(kStartMs);
    auto outbox = NoticeOutbox::open(outboxPath, clock);
    if (!outbox) _exit(1);
    DyingSender dying(smtp, when);
    auto mailer = NoticeMailer::create(**outbox, dying, clock,
                                       {"homeproxy@home.example", "user@example.org", 16, {}},
                                       [](NoticeLogLevel, std::string_view) {});
    if (!mailer) _exit(2);
    (void)(*mailer)->flush();
    _exit(3);  // the send did not happen
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 42;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("smtp") {
  TEST_CASE("queued entries are delivered once, with envelope, headers and body") {
    SmtpTestServer server;
    server.start();
    Stack stack(server);
    REQUIRE(stack.outbox->enqueue(kPurseId, history()).value() == 3);
    const auto result = stack.flush();
    CHECK(result.mailsSent == 1);
    CHECK(result.entriesSent == 3);
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    const auto mails = server.mails();
    REQUIRE(mails.size() == 1);
    const auto& mail = mails[0];
    CHECK(mail.mailFrom == "homeproxy@home.example");
    CHECK(mail.rcptTos == std::vector<std::string>{"user@example.org"});
    CHECK(headerOf(mail.content, "From") == "homeproxy@home.example");
    CHECK(headerOf(mail.content, "To") == "user@example.org");
    CHECK(headerOf(mail.content, "Date") == "Tue, 01 Dec 2026 10:01:00 +0000");
    CHECK(headerOf(mail.content, "Message-ID") == "<0123456789ABCDEF-1-3@homeproxy>");
    CHECK(headerOf(mail.content, "Subject") ==
          "Purse 0123456789ABCDEF: 3 new entries (txn 1 to 3)");
    const auto body = bodyOf(mail.content);
    CHECK(contains(body, "txn 1: top-up\r\n"));
    CHECK(contains(body, "txn 2: payment\r\n"));
    CHECK(contains(body, "  order:          ORDER-42\r\n"));
    CHECK(contains(body, "  amount:         -12.50 EUR\r\n"));
    CHECK(contains(body, "  balance after:  87.50 EUR\r\n"));
    CHECK(contains(body, "  time:           2026-12-01T10:00:02.250Z\r\n"));
    CHECK(contains(body, "txn 3: refund\r\n"));
    CHECK(contains(body, "  refund of:      txn 2\r\n"));
    CHECK_FALSE(contains(body, "missing"));

    // Re-reading the same log queues nothing, and later flushes send nothing more.
    CHECK(stack.outbox->enqueue(kPurseId, history()).value() == 0);
    CHECK(stack.flush().mailsSent == 0);
    stack.open();  // a restart, too
    CHECK(stack.flush().mailsSent == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(server.mails().size() == 1);
  }

  TEST_CASE("server down: nothing lost, delivered once after the back-off when it is up") {
    SmtpTestServer server;  // port reserved, not listening: connection refused
    Stack stack(server);
    REQUIRE(stack.outbox->enqueue(kPurseId, {debitEntry(1, 500, 9500)}).value() == 1);
    auto result = stack.flush();
    CHECK(result.mailsFailed == 1);
    CHECK(result.mailsWaiting == 1);
    REQUIRE_FALSE(stack.log.empty());
    INFO(stack.log.back());
    CHECK(contains(stack.log.back(), "not mailed, attempt 1: SMTP: "));
    CHECK(contains(stack.log.back(), "next attempt in 5 s"));
    CHECK_FALSE(stack.outbox->rows(kPurseId).value()[0].sent);

    // A restart while the server is down keeps the entry and its back-off.
    stack.open();
    server.start();
    CHECK(stack.flush().mailsSent == 0);  // back-off not over
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(server.mails().empty());

    stack.clock.advanceMs(5'000);
    result = stack.flush();
    CHECK(result.mailsSent == 1);
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    CHECK(headerOf(server.mails()[0].content, "Message-ID") == "<0123456789ABCDEF-1@homeproxy>");
    CHECK(stack.flush().mailsSent == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(server.mails().size() == 1);
    const auto row = stack.outbox->rows(kPurseId).value()[0];
    CHECK(row.sent);
    CHECK(row.attempts == 1);
  }

  TEST_CASE("a 451 answer keeps the batch queued; the retry carries the same Message-ID") {
    SmtpTestServer server;
    server.start({.rejectFirst = 1});
    Stack stack(server);
    REQUIRE(stack.outbox->enqueue(kPurseId, {debitEntry(4, 500, 9500)}).value() == 1);
    CHECK(stack.flush().mailsFailed == 1);
    INFO(stack.log.back());
    CHECK(contains(stack.log.back(), "451"));
    CHECK(server.mails().empty());
    stack.clock.advanceMs(5'000);
    CHECK(stack.flush().mailsSent == 1);
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    const auto mail = server.mails()[0];
    CHECK(headerOf(mail.content, "Message-ID") == "<0123456789ABCDEF-4@homeproxy>");
    // The first entry ever queued is txn 4: 1 to 3 never reached the outbox.
    CHECK(contains(bodyOf(mail.content),
                   "Note: txn 1 to 3 are missing: they dropped out of the "
                   "card's 64-entry log\r\n"));
  }

  TEST_CASE("a 5xx answer is also kept and retried: nothing is ever dropped") {
    SmtpTestServer server;
    server.start({.rejectFirst = 2, .rejectCode = 554});
    Stack stack(server);
    REQUIRE(stack.outbox->enqueue(kPurseId, {debitEntry(1, 500, 9500)}).value() == 1);
    CHECK(stack.flush().mailsFailed == 1);
    INFO(stack.log.back());
    CHECK(contains(stack.log.back(), "554"));
    CHECK(contains(stack.log.back(), "next attempt in 5 s"));
    stack.clock.advanceMs(5'000);
    CHECK(stack.flush().mailsFailed == 1);
    CHECK(contains(stack.log.back(), "attempt 2"));
    CHECK(contains(stack.log.back(), "next attempt in 10 s"));
    stack.clock.advanceMs(10'000);
    CHECK(stack.flush().mailsSent == 1);
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    CHECK(stack.outbox->rows(kPurseId).value()[0].attempts == 2);
  }

  TEST_CASE("the gap note appears when the card's log has moved on") {
    SmtpTestServer server;
    server.start();
    Stack stack(server);
    REQUIRE(stack.outbox->enqueue(kPurseId, {debitEntry(1, 100, 9900)}).value() == 1);
    CHECK(stack.flush().mailsSent == 1);
    // 80 payments later only the last 64 are on the card: 2..16 are gone.
    std::vector<protocol::purse::LogEntry> logged;
    for (uint32_t t = 17; t <= 80; ++t) logged.push_back(debitEntry(t, 100, 10000 - 100 * t));
    CHECK(stack.outbox->lastQueuedTxn(kPurseId).value() == 1);
    REQUIRE(stack.outbox->enqueue(kPurseId, logged).value() == 64);
    CHECK(stack.flush().mailsSent == 4);  // 64 entries, 16 per mail
    REQUIRE(server.waitForMails(5, std::chrono::seconds(5)));
    const auto mails = server.mails();
    REQUIRE(mails.size() == 5);
    CHECK(headerOf(mails[1].content, "Message-ID") == "<0123456789ABCDEF-17-32@homeproxy>");
    CHECK(contains(bodyOf(mails[1].content), "Note: txn 2 to 16 are missing"));
    for (size_t i = 2; i < mails.size(); ++i) CHECK_FALSE(contains(mails[i].content, "missing"));
  }

  TEST_CASE("login: the right password delivers, a wrong one is a clear error without it") {
    SmtpTestServer server;
    server.start({.auth = "home:s3cret-pw"});
    {
      SmtpConfig smtp;
      smtp.username = "home";
      smtp.password = SecretBytes(bytesOf("s3cret-pw"));
      Stack stack(server, std::move(smtp));
      REQUIRE(stack.outbox->enqueue(kPurseId, {debitEntry(1, 100, 9900)}).value() == 1);
      CHECK(stack.flush().mailsSent == 1);
      REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    }
    SmtpConfig wrong;
    wrong.url = server.url();
    wrong.username = "home";
    wrong.password = SecretBytes(bytesOf("wrong-pw-123"));
    auto sender = SmtpSender::create(std::move(wrong));
    REQUIRE(sender.ok());
    auto refused = (*sender)->send({"a@b.example", {"c@d.example"}, "Subject: x\r\n\r\nx\r\n"});
    REQUIRE_FALSE(refused.ok());
    INFO(refused.error().message);
    CHECK(contains(refused.error().message, "Login denied"));
    CHECK_FALSE(contains(refused.error().message, "wrong-pw-123"));
    // And without a login the server refuses too (it requires one).
    auto anonymous = SmtpSender::create({.url = server.url()});
    REQUIRE(anonymous.ok());
    CHECK_FALSE(
        (*anonymous)->send({"a@b.example", {"c@d.example"}, "Subject: x\r\n\r\nx\r\n"}).ok());
    CHECK(server.mails().size() == 1);
  }

  TEST_CASE("a body line that starts with a dot arrives intact") {
    SmtpTestServer server;
    server.start();
    auto sender = SmtpSender::create({.url = server.url()});
    REQUIRE(sender.ok());
    const std::string text = "Subject: dots\r\n\r\n.\r\n..two\r\nend\r\n";
    REQUIRE((*sender)->send({"a@b.example", {"c@d.example"}, text}).ok());
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    CHECK(contains(server.mails()[0].content, "\r\n.\r\n..two\r\nend"));
  }

  TEST_CASE("bad SMTP settings are clear errors, and never echo a password") {
    auto make = [](SmtpConfig config) { return SmtpSender::create(std::move(config)); };
    auto notUrl = make({.url = "not a url"});
    REQUIRE_FALSE(notUrl.ok());
    CHECK(contains(notUrl.error().message, "smtp_url"));
    auto http = make({.url = "http://127.0.0.1:25"});
    REQUIRE_FALSE(http.ok());
    CHECK(contains(http.error().message, "scheme must be smtp or smtps"));
    auto login = make({.url = "smtp://user:hunter2@127.0.0.1:25"});
    REQUIRE_FALSE(login.ok());
    CHECK(contains(login.error().message, "must not carry a login"));
    CHECK_FALSE(contains(login.error().message, "hunter2"));
    auto path = make({.url = "smtp://127.0.0.1:25/relay"});
    REQUIRE_FALSE(path.ok());
    CHECK(contains(path.error().message, "no path"));
    CHECK_FALSE(make({.url = ""}).ok());
    CHECK_FALSE(make({.url = "smtps://127.0.0.1:465", .requireStartTls = true}).ok());
    SmtpConfig orphan;
    orphan.url = "smtp://127.0.0.1:25";
    orphan.password = SecretBytes(bytesOf("pw"));
    CHECK_FALSE(make(std::move(orphan)).ok());
    CHECK(make({.url = "smtp://127.0.0.1:2525"}).ok());
    CHECK(make({.url = "smtps://mail.example.org"}).ok());
    CHECK(make({.url = "smtp://127.0.0.1:2525", .requireStartTls = true}).ok());
  }

  TEST_CASE("STARTTLS with a login: delivered over TLS, the certificate checked") {
    const auto& pki = tls_proxy::test::testPki();
    SmtpTestServer server;
    server.start({.auth = "home:s3cret-pw",
                  .tls = SmtpServerOptions::Tls::kStartTls,
                  .certFile = pki.shopCert,
                  .keyFile = pki.shopKey});
    SmtpConfig smtp{.url = server.url(), .requireStartTls = true, .caFile = pki.caCert};
    smtp.username = "home";
    smtp.password = SecretBytes(bytesOf("s3cret-pw"));
    Stack stack(server, std::move(smtp));
    REQUIRE(stack.outbox->enqueue(kPurseId, {debitEntry(1, 100, 9900)}).value() == 1);
    CHECK(stack.flush().mailsSent == 1);
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));

    // A server whose certificate does not lead to the configured CA gets nothing.
    auto untrusted = SmtpSender::create(
        {.url = server.url(), .requireStartTls = true, .caFile = pki.otherCaCert});
    REQUIRE(untrusted.ok());
    auto refused = (*untrusted)->send({"a@b.example", {"c@d.example"}, "Subject: x\r\n\r\nx\r\n"});
    REQUIRE_FALSE(refused.ok());
    INFO(refused.error().message);
    CHECK(contains(refused.error().message, "certificate"));
    CHECK(server.mails().size() == 1);
  }

  TEST_CASE("smtps: TLS from the first byte") {
    const auto& pki = tls_proxy::test::testPki();
    SmtpTestServer server;
    server.start({.tls = SmtpServerOptions::Tls::kImplicit,
                  .certFile = pki.shopCert,
                  .keyFile = pki.shopKey});
    const std::string url = "smtps://127.0.0.1:" + std::to_string(server.port());
    auto sender = SmtpSender::create({.url = url, .caFile = pki.caCert});
    REQUIRE(sender.ok());
    auto sent = (*sender)->send({"a@b.example", {"c@d.example"}, "Subject: tls\r\n\r\nx\r\n"});
    INFO((sent ? "" : sent.error().message));
    CHECK(sent.ok());
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    auto untrusted = SmtpSender::create({.url = url, .caFile = pki.otherCaCert});
    REQUIRE(untrusted.ok());
    auto refused = (*untrusted)->send({"a@b.example", {"c@d.example"}, "Subject: x\r\n\r\nx\r\n"});
    REQUIRE_FALSE(refused.ok());
    INFO(refused.error().message);
    CHECK(contains(refused.error().message, "certificate"));
    CHECK(server.mails().size() == 1);
  }

  TEST_CASE("STARTTLS required but not offered: refused, nothing sent") {
    SmtpTestServer server;
    server.start();
    auto sender = SmtpSender::create({.url = server.url(), .requireStartTls = true});
    REQUIRE(sender.ok());
    auto refused = (*sender)->send({"a@b.example", {"c@d.example"}, "Subject: x\r\n\r\nx\r\n"});
    REQUIRE_FALSE(refused.ok());
    INFO(refused.error().message);
    CHECK(contains(refused.error().message, "TLS"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(server.mails().empty());
  }

  TEST_CASE("killed before the server accepted: still queued, mailed once later") {
    SmtpTestServer server;
    server.start();
    Stack stack(server);
    REQUIRE(stack.outbox->enqueue(kPurseId, {debitEntry(1, 100, 9900)}).value() == 1);
    REQUIRE(flushAndDie(server.scratchDir() + "/outbox.db", *stack.sender,
                        DyingSender::When::kBeforeSend));
    CHECK(server.mails().empty());
    stack.open();
    const auto row = stack.outbox->rows(kPurseId).value()[0];
    CHECK_FALSE(row.sent);
    CHECK(row.messageId == "<0123456789ABCDEF-1@homeproxy>");  // fixed before the attempt
    CHECK(stack.flush().mailsSent == 1);
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(server.mails().size() == 1);
  }

  TEST_CASE("killed after the server accepted, before the sent mark: the one resend, same mail") {
    SmtpTestServer server;
    server.start();
    Stack stack(server);
    REQUIRE(stack.outbox->enqueue(kPurseId, history()).value() == 3);
    REQUIRE(flushAndDie(server.scratchDir() + "/outbox.db", *stack.sender,
                        DyingSender::When::kAfterAccept));
    REQUIRE(server.waitForMails(1, std::chrono::seconds(5)));
    stack.open();
    CHECK_FALSE(stack.outbox->rows(kPurseId).value()[0].sent);
    CHECK(stack.flush().mailsSent == 1);
    REQUIRE(server.waitForMails(2, std::chrono::seconds(5)));
    const auto mails = server.mails();
    REQUIRE(mails.size() == 2);
    // The same Message-ID and the same text: the receiver can drop the second.
    CHECK(headerOf(mails[0].content, "Message-ID") == "<0123456789ABCDEF-1-3@homeproxy>");
    CHECK(mails[1].content == mails[0].content);
    CHECK(stack.flush().mailsSent == 0);
  }

  TEST_CASE("the mailer thread delivers on kick, each entry once") {
    SmtpTestServer server;
    server.start();
    Stack stack(server);
    stack.mailer->start(std::chrono::minutes(10));
    for (uint32_t t = 1; t <= 3; ++t) {
      REQUIRE(stack.outbox->enqueue(kPurseId, {debitEntry(t, 100, 10000 - 100 * t)}).ok());
      stack.mailer->kick();
      REQUIRE(server.waitForMails(t, std::chrono::seconds(10)));
    }
    stack.mailer->stop();
    const auto mails = server.mails();
    REQUIRE(mails.size() == 3);
    for (uint32_t t = 1; t <= 3; ++t) {
      CHECK(headerOf(mails[t - 1].content, "Message-ID") ==
            "<0123456789ABCDEF-" + std::to_string(t) + "@homeproxy>");
    }
  }
}
