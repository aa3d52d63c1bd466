// The e-money purse's persistent part of the home card state (docs/emoney.md): identity,
// currency, balance and limits, counters, and the decision log with its refund marks. Kept as
// its own serialized section of the card image; an empty section is a purse not initialized.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "protocol/purse/purse_records.hpp"

namespace hp::card::homecard {

// One decision in the log. `refunded` marks a debit that a CANCEL has paid back, so a second
// cancellation of the same payment is refused even though both are validly signed.
struct PurseLogSlot {
  protocol::purse::LogEntry entry;
  bool refunded = false;
  bool operator==(const PurseLogSlot&) const = default;
};

struct PurseState {
  // The most recent entries kept; older ones drop out (the host mails them before that).
  static constexpr size_t kLogCapacity = 64;

  bool initialized = false;
  std::array<uint8_t, protocol::purse::kPurseIdSize> purseId{};
  std::string currency;
  uint64_t maxBalance = 0;
  uint64_t balance = 0;
  uint32_t lastTxn = 0;           // the txn of the newest entry; 0 = nothing happened yet
  uint32_t creditSeq = 0;         // credits taken so far; the next voucher must carry creditSeq + 1
  std::vector<PurseLogSlot> log;  // oldest first, consecutive txns ending at lastTxn
  // Minor units debited with PIN1 alone since the last PIN2 verification (docs/emoney.md,
  // "PIN-only payments"); stored with the debit in one image write, reset by PIN2.
  uint64_t pinOnlySpent = 0;

  // 0 for an empty log.
  uint32_t oldestLoggedTxn() const { return log.empty() ? 0 : log.front().entry.txn; }

  // Empty for a purse not initialized.
  Bytes serialize() const;
  // nullopt for anything a real card could not have written: bad currency, balance above the
  // maximum, a log that is too long, not consecutive, not ending at lastTxn, or not matching
  // the balance, refund marks on entries that are not debits, trailing bytes.
  // `withPinOnlySpent` = false reads the sections of card images before version 4, which end
  // after the log (the counter starts at 0).
  static std::optional<PurseState> deserialize(ByteView section, bool withPinOnlySpent = true);

  bool operator==(const PurseState&) const = default;
};

}  // namespace hp::card::homecard
