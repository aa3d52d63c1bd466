// The purse wing's part of the home server's configuration (parsed with the rest in
// daemon/config.cpp), declared here so the purse wing does not include the daemon's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hp::home_server {

// The purse (docs/emoney.md, "Home server"): where unfinished top-ups are kept, and how often
// they are re-presented. Without a store, purse.topup is refused (a voucher must survive us).
struct PurseConfig {
  std::string pendingVouchersDb;  // SQLite file
  uint32_t reconcileSeconds = 60;
};

// Payment notices (docs/emoney.md, "Payment notices"): absent section, no notices. The SMTP
// password stays in its own file (mode 0600), read at start; the config holds no secret.
struct NoticesConfig {
  bool enabled = false;
  std::string smtpUrl;  // smtp://host:port or smtps://host:port
  bool smtpStartTls = false;
  std::string smtpCaFile;
  std::string smtpUser;
  std::string smtpPasswordFile;
  std::string from;
  std::string to;
  uint32_t periodSeconds = 300;
  size_t maxEntriesPerMail = 16;
  std::string outboxPath;
};

}  // namespace hp::home_server
