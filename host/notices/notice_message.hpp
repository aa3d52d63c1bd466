// The text of a payment notice: a complete RFC 5322 message (CRLF lines, 7-bit ASCII) for one
// batch of log entries. Pure: the date comes in as a number, nothing is read or sent here.
//
// Everything taken from the card (shop and bank IDs, order references) is shown as text only if
// it is printable ASCII, otherwise as hex, so no log entry can inject a header or a line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/notices/notice_outbox.hpp"

namespace hp::notices {

// "<PURSEID-TXN@homeproxy>" for one entry, "<PURSEID-FIRST-LAST@homeproxy>" for a batch: derived
// from the entries alone, so a resend carries the same ID and a receiver can drop a duplicate.
std::string noticeMessageId(std::string_view purseIdHex, uint32_t firstTxn, uint32_t lastTxn);

// The whole message, headers and body. from/to must pass validMailAddress().
std::string composeNotice(const OutboxBatch& batch, std::string_view from, std::string_view to,
                          int64_t dateUnixMs);

// "12.50 EUR": minor units shown in major.minor with the currency's ISO 4217 decimals
// (2 unless the currency is known to have 0 or 3).
std::string formatAmount(uint64_t minorUnits, std::string_view currency);
// "2026-12-01T13:26:27.123Z"
std::string formatIsoUtc(int64_t unixMs);
// "Tue, 01 Dec 2026 13:26:27 +0000" (RFC 5322 date-time, locale-independent)
std::string formatMailDate(int64_t unixMs);
// A plain addr-spec "local@domain": printable ASCII, one '@', no spaces, angle brackets, quotes
// or line breaks (nothing that could end a header or an SMTP command).
bool validMailAddress(std::string_view address);

}  // namespace hp::notices
