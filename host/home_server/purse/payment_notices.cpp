#include "host/home_server/purse/payment_notices.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace hp::home_server {

// The SMTP password: the file's first line, kept in SecretBytes; refused when others may read it.
Result<SecretBytes> readPasswordFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return makeError("notices: cannot read " + path);
  if ((info.st_mode & 077) != 0) {
    return makeError("notices: " + path + " must not be readable by group or others (chmod 600)");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return makeError("notices: cannot read " + path);
  std::string line;
  std::getline(file, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  SecretBytes password(bytesOf(line));
  secureWipe(line.data(), line.size());
  return password;
}

Result<std::unique_ptr<PaymentNotices>> PaymentNotices::create(const NoticesConfig& config,
                                                               HomeCard& card, ServerLog& log) {
  notices::SmtpConfig smtp;
  smtp.url = config.smtpUrl;
  smtp.requireStartTls = config.smtpStartTls;
  smtp.caFile = config.smtpCaFile;
  smtp.username = config.smtpUser;
  if (!config.smtpPasswordFile.empty()) {
    auto password = readPasswordFile(config.smtpPasswordFile);
    if (!password) return password.error();
    smtp.password = std::move(password.value());
  }
  auto sender = notices::SmtpSender::create(std::move(smtp));
  if (!sender) return makeError("notices: " + sender.error().message);
  std::unique_ptr<PaymentNotices> notices(new PaymentNotices(config, card, log));
  notices::WallClock& clock = notices->systemClock_;
  notices->ownSender_ = std::move(sender.value());
  auto done = notices->init(*notices->ownSender_, clock);
  if (!done) return done.error();
  return notices;
}

Result<std::unique_ptr<PaymentNotices>> PaymentNotices::create(const NoticesConfig& config,
                                                               HomeCard& card, ServerLog& log,
                                                               notices::MailSender& sender,
                                                               notices::WallClock& clock) {
  std::unique_ptr<PaymentNotices> notices(new PaymentNotices(config, card, log));
  auto done = notices->init(sender, clock);
  if (!done) return done.error();
  return notices;
}

Result<void> PaymentNotices::init(notices::MailSender& sender, notices::WallClock& clock) {
  auto outbox = notices::NoticeOutbox::open(config_.outboxPath, clock);
  if (!outbox) return makeError("notices: " + outbox.error().message);
  outbox_ = std::move(outbox.value());
  notices::NoticeMailerConfig mailerConfig;
  mailerConfig.from = config_.from;
  mailerConfig.to = config_.to;
  mailerConfig.maxEntriesPerMail = config_.maxEntriesPerMail;
  ServerLog& log = log_;
  auto mailer =
      notices::NoticeMailer::create(*outbox_, sender, clock, mailerConfig,
                                    [&log](notices::NoticeLogLevel level, std::string_view line) {
                                      const std::string text = "notices: " + std::string(line);
                                      if (level == notices::NoticeLogLevel::kError) {
                                        log.error(text);
                                      } else if (level == notices::NoticeLogLevel::kWarn) {
                                        log.warn(text);
                                      } else {
                                        log.info(text);
                                      }
                                    });
  if (!mailer) return makeError("notices: " + mailer.error().message);
  mailer_ = std::move(mailer.value());
  auto events = notices::NoticeEvents::open(config_.outboxPath);
  if (!events) return makeError("notices: " + events.error().message);
  events_ = std::move(events.value());
  mailer_->setEvents(events_.get());
  clock_ = &clock;
  return {};
}

void PaymentNotices::event(const std::string& subject, const std::string& body) {
  auto queued = events_->enqueue(subject, body, clock_->nowUnixMs());
  if (!queued) {
    log_.warn("notices: " + queued.error().message);
    return;
  }
  kick();
}

PaymentNotices::~PaymentNotices() {
  stop();
}

Result<size_t> PaymentNotices::collect() {
  auto status = card_.purseStatus();
  if (!status) return makeError("purse status: " + status.error().message);
  const std::string purseId = toHex(status->purseId);
  auto last = outbox_->lastQueuedTxn(purseId);
  if (!last) return last.error();
  size_t added = 0;
  uint32_t next = *last + 1;
  // Each READ LOG answer holds a few entries; the card keeps 64, so this ends quickly.
  for (int page = 0; page < 70 && next <= status->lastTxn; ++page) {
    auto entries = card_.purseReadLog(next);
    if (!entries) return makeError("READ LOG: " + entries.error().message);
    if (entries->empty()) break;
    auto queued = outbox_->enqueue(purseId, *entries);
    if (!queued) return queued.error();
    added += *queued;
    next = entries->back().txn + 1;
  }
  return added;
}

void PaymentNotices::start() {
  mailer_->start(std::chrono::seconds(config_.periodSeconds), [this] {
    auto added = collect();
    if (!added) {
      log_.debug("notices: nothing collected: " + added.error().message);
    } else if (*added > 0) {
      log_.info("notices: " + std::to_string(*added) + " new log entr" +
                (*added == 1 ? "y" : "ies") + " queued");
    }
  });
}

void PaymentNotices::kick() {
  if (mailer_) mailer_->kick();
}

void PaymentNotices::stop() {
  if (mailer_) mailer_->stop();
}

}  // namespace hp::home_server
