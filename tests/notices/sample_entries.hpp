// Log entries as the card makes them (docs/emoney.md, LogEntry fields by kind), for the tests.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::notices::test {

inline constexpr const char* kPurseId = "0123456789ABCDEF";
// 2026-12-01T10:00:00.250Z
inline constexpr uint64_t kEntryTimeMs = 1'796'119'200'250;

inline protocol::purse::LogEntry debitEntry(uint32_t txn, uint64_t amount, uint64_t balanceAfter,
                                            const std::string& order = "ORDER-1",
                                            const std::string& shop = "localhost") {
  protocol::purse::LogEntry e;
  e.txn = txn;
  e.kind = protocol::purse::EntryKind::kDebit;
  e.timeMs = kEntryTimeMs + txn * 1000;
  e.currency = "EUR";
  e.amount = amount;
  e.balanceAfter = balanceAfter;
  e.party = bytesOf(shop);
  e.reference = bytesOf(order);
  return e;
}

inline protocol::purse::LogEntry creditEntry(uint32_t txn, uint64_t amount, uint64_t balanceAfter,
                                             uint32_t creditSeq) {
  protocol::purse::LogEntry e;
  e.txn = txn;
  e.kind = protocol::purse::EntryKind::kCredit;
  e.timeMs = kEntryTimeMs + txn * 1000;
  e.currency = "EUR";
  e.amount = amount;
  e.balanceAfter = balanceAfter;
  e.party = bytesOf("testbank");
  e.reference = Bytes(16, 0xA5);  // a voucher ID
  e.relatedTxn = creditSeq;
  return e;
}

inline protocol::purse::LogEntry refundEntry(uint32_t txn, uint64_t amount, uint64_t balanceAfter,
                                             uint32_t debitTxn, const std::string& order) {
  protocol::purse::LogEntry e = debitEntry(txn, amount, balanceAfter, order);
  e.kind = protocol::purse::EntryKind::kRefund;
  e.relatedTxn = debitTxn;
  return e;
}

}  // namespace hp::notices::test
