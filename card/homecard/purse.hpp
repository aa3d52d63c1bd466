// The purse's decisions (docs/emoney.md, "Card commands"), as pure functions of the purse, the
// trust registries and the command data: no APDU framing, no storage, no signing. The applet
// (purse_commands.cpp) checks lifecycle, P1-P2 and the security state first, then asks these
// functions, then signs and stores. Every refusal is a status word and changes nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.hpp"
#include "card/homecard/home_card_state.hpp"
#include "card/homecard/purse_state.hpp"
#include "protocol/apdu/status_word.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::card::homecard {

// Card status words of the purse beyond ISO 7816-4's (docs/emoney.md).
namespace purse_sw {
inline constexpr protocol::apdu::StatusWord kInsufficientFunds = 0x9401;
inline constexpr protocol::apdu::StatusWord kMaximumExceeded = 0x9402;
}  // namespace purse_sw

// What a DEBIT, CREDIT or CANCEL decided. On 9000, `entry` is the log entry to sign: a new one
// to append (`movement`), or the logged one an identical retry is answered with (no movement).
struct PurseDecision {
  protocol::apdu::StatusWord sw = protocol::apdu::sw::kOk;
  protocol::purse::LogEntry entry;
  bool movement = false;

  static PurseDecision refuse(protocol::apdu::StatusWord s) { return PurseDecision{s, {}, false}; }
};

// PURSE INIT data: currency(3) || max_balance u64. A new, empty purse with the given ID, or
// 6A80 for malformed data (bad length, currency, a zero maximum).
Result<PurseState, protocol::apdu::StatusWord> initPurse(ByteView data, ByteView purseId);

// DEBIT data: time_ms u64 || shop id || order_ref id || currency(3) || amount u64.
PurseDecision decideDebit(const PurseState& purse, const std::vector<RegistryEntry>& shops,
                          ByteView data);
// CREDIT data: time_ms u64 || Signed Voucher (verified with the bank's point).
PurseDecision decideCredit(const PurseState& purse, const std::vector<RegistryEntry>& banks,
                           ByteView data);
// CANCEL data: time_ms u64 || Signed Cancellation (verified with the shop's point).
PurseDecision decideCancel(const PurseState& purse, const std::vector<RegistryEntry>& shops,
                           ByteView data);

// Applies a movement decided above: appends the entry (dropping the oldest beyond
// kLogCapacity), moves the balance, counts a credit, marks the refunded debit.
void applyMovement(PurseState& purse, const protocol::purse::LogEntry& entry);

// PURSE STATUS: purse_id(8) || currency(3) || balance u64 || max u64 || last_txn u32 ||
// credit_seq u32 || oldest_logged_txn u32.
inline constexpr size_t kPurseStatusSize = 39;
Bytes purseStatus(const PurseState& purse);

// READ LOG: "u8 len || LogEntry" for the entries with txn >= fromTxn, oldest first, as many
// whole ones as fit `limit` bytes (empty: none). If entries exist but the first does not fit,
// the error is the size it needs (answered as 6Cxx).
Result<Bytes, size_t> readLogPage(const PurseState& purse, uint32_t fromTxn, size_t limit);

// The record the card signs for a log entry: purse ID || entry.
protocol::purse::PurseRecord recordOf(const PurseState& purse,
                                      const protocol::purse::LogEntry& entry);

}  // namespace hp::card::homecard
