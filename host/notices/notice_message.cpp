#include "host/notices/notice_message.hpp"

#include <array>
#include <cstdio>
#include <ctime>

#include "base/bytes.hpp"

namespace hp::notices {

namespace purse = protocol::purse;

namespace {

constexpr const char* kCrlf = "\r\n";
constexpr size_t kLogCapacity = 64;  // the card's log (docs/emoney.md)

bool printable(ByteView id) {
  if (id.empty()) return false;
  for (uint8_t b : id) {
    if (b < 0x21 || b > 0x7E) return false;
  }
  return true;
}

std::string showId(ByteView id) {
  if (printable(id)) return std::string(id.begin(), id.end());
  return "hex " + toHex(id);
}

int currencyDecimals(std::string_view currency) {
  // ISO 4217 currencies with other than two minor digits (the rest use two).
  static constexpr std::array<std::string_view, 16> kZero = {
      "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
      "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF"};
  static constexpr std::array<std::string_view, 7> kThree = {"BHD", "IQD", "JOD", "KWD",
                                                             "LYD", "OMR", "TND"};
  for (auto code : kZero) {
    if (code == currency) return 0;
  }
  for (auto code : kThree) {
    if (code == currency) return 3;
  }
  return 2;
}

std::tm utcParts(int64_t unixMs) {
  const int64_t seconds = unixMs >= 0 ? unixMs / 1000 : (unixMs - 999) / 1000;
  const auto t = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&t, &parts);
  return parts;
}

const char* kindName(purse::EntryKind kind) {
  switch (kind) {
    case purse::EntryKind::kDebit:
      return "payment";
    case purse::EntryKind::kCredit:
      return "top-up";
    case purse::EntryKind::kRefund:
      return "refund";
  }
  return "unknown";
}

std::string pad(std::string label) {
  label.resize(16, ' ');
  return "  " + label;
}

void appendEntry(std::string& body, const QueuedEntry& queued) {
  const purse::LogEntry& e = queued.entry;
  if (queued.previousTxn + 1 < e.txn) {
    const uint32_t first = queued.previousTxn + 1;
    const uint32_t last = e.txn - 1;
    body += "Note: ";
    body += first == last ? "txn " + std::to_string(first) + " is"
                          : "txn " + std::to_string(first) + " to " + std::to_string(last) + " are";
    body += " missing: " + std::string(first == last ? "it" : "they") +
            " dropped out of the card's " + std::to_string(kLogCapacity) + "-entry log" + kCrlf +
            "before the home server read " + (first == last ? "it" : "them") +
            ", so no notice was mailed for " + (first == last ? "it" : "them") + "." + kCrlf +
            kCrlf;
  }
  body += "txn " + std::to_string(e.txn) + ": " + kindName(e.kind) + kCrlf;
  if (!queued.terminal.empty()) body += pad("at till:") + queued.terminal + kCrlf;
  body += pad("time:") + formatIsoUtc(static_cast<int64_t>(e.timeMs)) + kCrlf;
  std::string sign;
  switch (e.kind) {
    case purse::EntryKind::kDebit:
      body += pad("shop:") + showId(e.party) + kCrlf;
      body += pad("order:") + showId(e.reference) + kCrlf;
      sign = "-";
      break;
    case purse::EntryKind::kCredit:
      body += pad("bank:") + showId(e.party) + kCrlf;
      body += pad("voucher:") + toHex(e.reference) + kCrlf;
      body += pad("credit number:") + std::to_string(e.relatedTxn) + kCrlf;
      sign = "+";
      break;
    case purse::EntryKind::kRefund:
      body += pad("shop:") + showId(e.party) + kCrlf;
      body += pad("order:") + showId(e.reference) + kCrlf;
      body += pad("refund of:") + "txn " + std::to_string(e.relatedTxn) + kCrlf;
      sign = "+";
      break;
  }
  body += pad("amount:") + sign + formatAmount(e.amount, e.currency) + kCrlf;
  body += pad("balance after:") + formatAmount(e.balanceAfter, e.currency) + kCrlf;
  body += kCrlf;
}

std::string subjectFor(const OutboxBatch& batch) {
  const std::string purse = "Purse " + batch.purseIdHex + ": ";
  if (batch.entries.size() == 1) {
    const purse::LogEntry& e = batch.entries.front().entry;
    const std::string amount = formatAmount(e.amount, e.currency);
    const std::string txn = " (txn " + std::to_string(e.txn) + ")";
    switch (e.kind) {
      case purse::EntryKind::kDebit:
        return purse + "payment of " + amount + " to " + showId(e.party) + txn;
      case purse::EntryKind::kCredit:
        return purse + "top-up of " + amount + " from " + showId(e.party) + txn;
      case purse::EntryKind::kRefund:
        return purse + "refund of " + amount + " from " + showId(e.party) + txn;
    }
  }
  return purse + std::to_string(batch.entries.size()) + " new entries (txn " +
         std::to_string(batch.entries.front().entry.txn) + " to " +
         std::to_string(batch.entries.back().entry.txn) + ")";
}

}  // namespace

std::string noticeMessageId(std::string_view purseIdHex, uint32_t firstTxn, uint32_t lastTxn) {
  std::string id = "<" + std::string(purseIdHex) + "-" + std::to_string(firstTxn);
  if (lastTxn != firstTxn) id += "-" + std::to_string(lastTxn);
  return id + "@homeproxy>";
}

std::string formatAmount(uint64_t minorUnits, std::string_view currency) {
  const int decimals = currencyDecimals(currency);
  std::string digits = std::to_string(minorUnits);
  if (decimals > 0) {
    if (digits.size() <= static_cast<size_t>(decimals)) {
      digits.insert(0, static_cast<size_t>(decimals) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(decimals), ".");
  }
  return digits + " " + std::string(currency);
}

std::string formatIsoUtc(int64_t unixMs) {
  const std::tm t = utcParts(unixMs);
  const int64_t millis = ((unixMs % 1000) + 1000) % 1000;
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(millis));
  return text;
}

std::string formatMailDate(int64_t unixMs) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::tm t = utcParts(unixMs);
  char text[48];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[static_cast<size_t>(t.tm_wday)], t.tm_mday,
                kMonths[static_cast<size_t>(t.tm_mon)], t.tm_year + 1900, t.tm_hour, t.tm_min,
                t.tm_sec);
  return text;
}

bool validMailAddress(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  const auto at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : address) {
    if (c < 0x21 || c > 0x7E || c == '<' || c == '>' || c == '"' || c == '(' || c == ')' ||
        c == ',' || c == ';' || c == ':' || c == '\\' || c == '[' || c == ']') {
      return false;
    }
  }
  return true;
}

std::string composeNotice(const OutboxBatch& batch, std::string_view from, std::string_view to,
                          int64_t dateUnixMs) {
  std::string message;
  message += "Date: " + formatMailDate(dateUnixMs) + kCrlf;
  message += "From: " + std::string(from) + kCrlf;
  message += "To: " + std::string(to) + kCrlf;
  message += "Subject: " + subjectFor(batch) + kCrlf;
  message += "Message-ID: " + batch.messageId + kCrlf;
  message += std::string("MIME-Version: 1.0") + kCrlf;
  message += std::string("Content-Type: text/plain; charset=us-ascii") + kCrlf;
  message += std::string("Content-Transfer-Encoding: 7bit") + kCrlf;
  // RFC 3834: a machine-made message; auto-responders do not answer it.
  message += std::string("Auto-Submitted: auto-generated") + kCrlf;
  message += kCrlf;

  message += "New entries in the log of the e-money purse " + batch.purseIdHex + " on your" +
             kCrlf + "home card (times in UTC):" + kCrlf + kCrlf;
  for (const auto& queued : batch.entries) appendEntry(message, queued);
  message += std::string("-- ") + kCrlf;
  message += "Mailed by your homeproxy home server. Each entry is mailed once; if a mail" +
             std::string(kCrlf) + "arrives twice it carries the same Message-ID." + kCrlf;
  return message;
}

}  // namespace hp::notices
