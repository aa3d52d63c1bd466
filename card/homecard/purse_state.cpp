#include "card/homecard/purse_state.hpp"

#include <algorithm>

#include "base/byte_codec.hpp"

namespace hp::card::homecard {

namespace purse = protocol::purse;

namespace {
// A LogEntry encodes to at most 4+1+8+3+8+8 + 1+32 + 1+32 + 4 bytes.
constexpr size_t kMaxEncodedEntry = 102;

bool consistent(const PurseState& p) {
  if (!purse::validCurrency(p.currency) || p.maxBalance == 0 || p.balance > p.maxBalance) {
    return false;
  }
  if (p.log.size() > PurseState::kLogCapacity || p.log.size() > p.lastTxn) return false;
  const uint32_t first = p.lastTxn - static_cast<uint32_t>(p.log.size()) + 1;
  for (size_t i = 0; i < p.log.size(); ++i) {
    const purse::LogEntry& e = p.log[i].entry;
    if (e.txn != first + i || e.currency != p.currency || e.balanceAfter > p.maxBalance) {
      return false;
    }
    if (p.log[i].refunded && e.kind != purse::EntryKind::kDebit) return false;
    if (e.kind == purse::EntryKind::kCredit && e.relatedTxn > p.creditSeq) return false;
    if (e.kind == purse::EntryKind::kRefund && e.relatedTxn >= e.txn) return false;
  }
  return p.log.empty() || p.log.back().entry.balanceAfter == p.balance;
}
}  // namespace

Bytes PurseState::serialize() const {
  if (!initialized) return {};
  base::ByteWriter w;
  w.raw(purseId);
  w.raw(ByteView(reinterpret_cast<const uint8_t*>(currency.data()), currency.size()));
  w.u64(maxBalance);
  w.u64(balance);
  w.u32(lastTxn);
  w.u32(creditSeq);
  w.u8(static_cast<uint8_t>(log.size()));
  for (const PurseLogSlot& slot : log) {
    w.blob(purse::encode(slot.entry));
    w.boolean(slot.refunded);
  }
  w.u64(pinOnlySpent);
  return w.take();
}

std::optional<PurseState> PurseState::deserialize(ByteView section, bool withPinOnlySpent) {
  PurseState p;
  if (section.empty()) return p;
  base::ByteReader r(section);
  p.initialized = true;
  for (uint8_t& b : p.purseId) b = r.u8();
  for (size_t i = 0; i < purse::kCurrencySize; ++i) p.currency.push_back(static_cast<char>(r.u8()));
  p.maxBalance = r.u64();
  p.balance = r.u64();
  p.lastTxn = r.u32();
  p.creditSeq = r.u32();
  const uint8_t count = r.u8();
  if (count > kLogCapacity) return std::nullopt;
  for (uint8_t i = 0; i < count && r.ok(); ++i) {
    const Bytes encoded = r.blob(kMaxEncodedEntry);
    const bool refunded = r.boolean();
    if (!r.ok()) return std::nullopt;
    auto entry = purse::decodeLogEntry(encoded);
    if (!entry) return std::nullopt;
    p.log.push_back(PurseLogSlot{std::move(*entry), refunded});
  }
  if (withPinOnlySpent) p.pinOnlySpent = r.u64();
  if (!r.ok() || !r.atEnd() || !consistent(p)) return std::nullopt;
  return p;
}

}  // namespace hp::card::homecard
