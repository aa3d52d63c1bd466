// The home server's side of the payment notices (docs/emoney.md, "Payment notices"): the card's
// new log entries (READ LOG from the outbox's lastQueuedTxn + 1) go into host/notices' outbox,
// and its mailer sends them. collect() runs on the mailer's thread before each flush; kick()
// after every purse change makes that happen at once.
#pragma once

#include <memory>

#include "host/home_server/card/home_card.hpp"
#include "host/home_server/core/server_log.hpp"
#include "host/home_server/purse/purse_config.hpp"
#include "host/notices/notice_mailer.hpp"
#include "host/notices/notice_outbox.hpp"
#include "host/notices/smtp_sender.hpp"

namespace hp::home_server {

// The SMTP password file of the notices section: its first line, kept in SecretBytes; refused
// when group or others may read it. Also used by the appliance wing's lock notices.
Result<SecretBytes> readPasswordFile(const std::string& path);

class PaymentNotices {
 public:
  // Opens the outbox, reads the SMTP password file (mode 0600 or stricter) and checks the
  // addresses: a bad setting is an error at start-up, not at the first payment.
  static Result<std::unique_ptr<PaymentNotices>> create(const NoticesConfig& config, HomeCard& card,
                                                        ServerLog& log);
  // With an injected sender and clock (tests); both must outlive the notices.
  static Result<std::unique_ptr<PaymentNotices>> create(const NoticesConfig& config, HomeCard& card,
                                                        ServerLog& log, notices::MailSender& sender,
                                                        notices::WallClock& clock);
  ~PaymentNotices();

  // READ LOG from the last queued txn + 1 into the outbox; how many entries were new. A card
  // that is locked or has no purse is not an error worth more than a debug line.
  Result<size_t> collect();
  void start();
  void kick();
  void stop();
  notices::NoticeOutbox& outbox() { return *outbox_; }
  // A notice that is not a purse movement (a revoked terminal): queued now, mailed at once.
  void event(const std::string& subject, const std::string& body);

 private:
  PaymentNotices(const NoticesConfig& config, HomeCard& card, ServerLog& log)
      : config_(config), card_(card), log_(log) {}
  Result<void> init(notices::MailSender& sender, notices::WallClock& clock);

  NoticesConfig config_;
  HomeCard& card_;
  ServerLog& log_;
  notices::SystemWallClock systemClock_;
  std::unique_ptr<notices::NoticeOutbox> outbox_;
  std::unique_ptr<notices::NoticeEvents> events_;
  notices::WallClock* clock_ = nullptr;
  std::unique_ptr<notices::MailSender> ownSender_;  // the SMTP sender, unless one is injected
  std::unique_ptr<notices::NoticeMailer> mailer_;
};

}  // namespace hp::home_server
