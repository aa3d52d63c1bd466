#include "card/homecard/purse.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include "base/byte_codec.hpp"

namespace hp::card::homecard {

namespace purse = protocol::purse;
namespace sw = protocol::apdu::sw;
using purse::EntryKind;
using purse::LogEntry;

namespace {

const RegistryEntry* findParty(const std::vector<RegistryEntry>& registry, ByteView id) {
  const auto found = std::find_if(registry.begin(), registry.end(), [&](const RegistryEntry& e) {
    return std::ranges::equal(e.id, id);
  });
  return found == registry.end() ? nullptr : &*found;
}

template <class Match>
const PurseLogSlot* findLogged(const PurseState& p, Match&& match) {
  const auto found = std::find_if(p.log.begin(), p.log.end(), match);
  return found == p.log.end() ? nullptr : &*found;
}

// A new entry, numbered by the next txn, for a purse whose balance becomes `balanceAfter`.
LogEntry nextEntry(const PurseState& p, EntryKind kind, uint64_t timeMs, uint64_t amount,
                   uint64_t balanceAfter) {
  LogEntry e;
  e.txn = p.lastTxn + 1;
  e.kind = kind;
  e.timeMs = timeMs;
  e.currency = p.currency;
  e.amount = amount;
  e.balanceAfter = balanceAfter;
  return e;
}

PurseDecision accept(LogEntry entry, bool movement) {
  return PurseDecision{sw::kOk, std::move(entry), movement};
}

bool txnExhausted(const PurseState& p) {
  return p.lastTxn == std::numeric_limits<uint32_t>::max();
}

// CREDIT and CANCEL data: time_ms u64 || a signed object (split here, decoded by the caller).
struct SignedInput {
  uint64_t timeMs = 0;
  purse::SignedParts parts;
};
std::optional<SignedInput> readSigned(ByteView data) {
  base::ByteReader r(data);
  SignedInput in;
  in.timeMs = r.u64();
  const ByteView rest = r.rest();
  if (!r.ok()) return std::nullopt;
  auto parts = purse::splitSigned(rest);
  if (!parts) return std::nullopt;
  in.parts = std::move(*parts);
  return in;
}

}  // namespace

Result<PurseState, protocol::apdu::StatusWord> initPurse(ByteView data, ByteView purseId) {
  base::ByteReader r(data);
  PurseState p;
  p.currency = purse::readCurrency(r);
  p.maxBalance = r.u64();
  if (!r.ok() || !r.atEnd() || p.maxBalance == 0 || purseId.size() != purse::kPurseIdSize) {
    return sw::kWrongData;
  }
  p.initialized = true;
  std::copy(purseId.begin(), purseId.end(), p.purseId.begin());
  return p;
}

PurseDecision decideDebit(const PurseState& p, const std::vector<RegistryEntry>& shops,
                          ByteView data) {
  base::ByteReader r(data);
  const uint64_t timeMs = r.u64();
  const Bytes shopId = purse::readId(r, purse::kMaxPartyIdSize);
  const Bytes orderRef = purse::readId(r, purse::kMaxReferenceSize);
  const std::string currency = purse::readCurrency(r);
  const uint64_t amount = r.u64();
  if (!r.ok() || !r.atEnd() || amount == 0 || currency != p.currency) {
    return PurseDecision::refuse(sw::kWrongData);
  }
  if (findParty(shops, shopId) == nullptr)
    return PurseDecision::refuse(sw::kReferencedDataNotFound);

  // One payment per (shop, order): the same one again is a retry whose answer was lost.
  const PurseLogSlot* logged = findLogged(p, [&](const PurseLogSlot& s) {
    return s.entry.kind == EntryKind::kDebit && s.entry.party == shopId &&
           s.entry.reference == orderRef;
  });
  if (logged != nullptr) {
    if (logged->entry.amount != amount) return PurseDecision::refuse(sw::kConditionsNotSatisfied);
    return accept(logged->entry, false);
  }
  if (amount > p.balance) return PurseDecision::refuse(purse_sw::kInsufficientFunds);
  if (txnExhausted(p)) return PurseDecision::refuse(sw::kConditionsNotSatisfied);

  LogEntry e = nextEntry(p, EntryKind::kDebit, timeMs, amount, p.balance - amount);
  e.party = shopId;
  e.reference = orderRef;
  return accept(std::move(e), true);
}

PurseDecision decideCredit(const PurseState& p, const std::vector<RegistryEntry>& banks,
                           ByteView data) {
  const auto in = readSigned(data);
  if (!in) return PurseDecision::refuse(sw::kWrongData);
  const auto voucher = purse::decodeVoucher(in->parts.body);
  if (!voucher || voucher->purseId != p.purseId || voucher->currency != p.currency) {
    return PurseDecision::refuse(sw::kWrongData);
  }
  const RegistryEntry* bank = findParty(banks, voucher->bankId);
  if (bank == nullptr) return PurseDecision::refuse(sw::kReferencedDataNotFound);
  if (!purse::verifySigned(bank->point, purse::kVoucherLabel, in->parts)) {
    return PurseDecision::refuse(sw::kWrongData);
  }

  const Bytes voucherId(voucher->voucherId.begin(), voucher->voucherId.end());
  const PurseLogSlot* logged = findLogged(p, [&](const PurseLogSlot& s) {
    return s.entry.kind == EntryKind::kCredit && s.entry.reference == voucherId;
  });
  if (logged != nullptr) {
    // The bank signs one voucher per ID; anything else under a logged ID is not a retry.
    const bool same = logged->entry.party == voucher->bankId &&
                      logged->entry.amount == voucher->amount &&
                      logged->entry.relatedTxn == voucher->creditSeq;
    if (!same) return PurseDecision::refuse(sw::kConditionsNotSatisfied);
    return accept(logged->entry, false);
  }
  // The credit counter makes every voucher usable once, even after its entry left the log.
  if (voucher->creditSeq != p.creditSeq + 1 || txnExhausted(p)) {
    return PurseDecision::refuse(sw::kConditionsNotSatisfied);
  }
  if (voucher->amount > p.maxBalance - p.balance) {
    return PurseDecision::refuse(purse_sw::kMaximumExceeded);
  }

  LogEntry e =
      nextEntry(p, EntryKind::kCredit, in->timeMs, voucher->amount, p.balance + voucher->amount);
  e.party = voucher->bankId;
  e.reference = voucherId;
  e.relatedTxn = voucher->creditSeq;
  return accept(std::move(e), true);
}

PurseDecision decideCancel(const PurseState& p, const std::vector<RegistryEntry>& shops,
                           ByteView data) {
  const auto in = readSigned(data);
  if (!in) return PurseDecision::refuse(sw::kWrongData);
  const auto cancellation = purse::decodeCancellation(in->parts.body);
  if (!cancellation || cancellation->purseId != p.purseId || cancellation->currency != p.currency) {
    return PurseDecision::refuse(sw::kWrongData);
  }
  const RegistryEntry* shop = findParty(shops, cancellation->shopId);
  if (shop == nullptr) return PurseDecision::refuse(sw::kReferencedDataNotFound);
  if (!purse::verifySigned(shop->point, purse::kCancellationLabel, in->parts)) {
    return PurseDecision::refuse(sw::kWrongData);
  }

  // Only a payment this card made to this shop, for this order and amount, can be refunded.
  const PurseLogSlot* paid = findLogged(p, [&](const PurseLogSlot& s) {
    return s.entry.txn == cancellation->txn && s.entry.kind == EntryKind::kDebit &&
           s.entry.party == cancellation->shopId && s.entry.reference == cancellation->orderRef &&
           s.entry.amount == cancellation->amount;
  });
  if (paid == nullptr) return PurseDecision::refuse(sw::kReferencedDataNotFound);
  // docs/emoney.md, "CANCEL": one refund per payment; the same cancellation again is a retry
  // whose answer was lost and is answered with the logged refund record, like DEBIT and CREDIT.
  // The refund follows its debit, so while the debit is logged its refund is logged too.
  if (paid->refunded) {
    const PurseLogSlot* refund = findLogged(p, [&](const PurseLogSlot& s) {
      return s.entry.kind == EntryKind::kRefund && s.entry.relatedTxn == cancellation->txn;
    });
    const bool same = refund != nullptr && refund->entry.party == cancellation->shopId &&
                      refund->entry.reference == cancellation->orderRef &&
                      refund->entry.amount == cancellation->amount;
    if (!same) return PurseDecision::refuse(sw::kConditionsNotSatisfied);
    return accept(refund->entry, false);
  }
  if (txnExhausted(p)) return PurseDecision::refuse(sw::kConditionsNotSatisfied);
  if (cancellation->amount > p.maxBalance - p.balance) {
    return PurseDecision::refuse(purse_sw::kMaximumExceeded);
  }

  LogEntry e = nextEntry(p, EntryKind::kRefund, in->timeMs, cancellation->amount,
                         p.balance + cancellation->amount);
  e.party = cancellation->shopId;
  e.reference = cancellation->orderRef;
  e.relatedTxn = cancellation->txn;
  return accept(std::move(e), true);
}

void applyMovement(PurseState& p, const LogEntry& entry) {
  p.lastTxn = entry.txn;
  p.balance = entry.balanceAfter;
  if (entry.kind == EntryKind::kCredit) p.creditSeq = entry.relatedTxn;
  if (entry.kind == EntryKind::kRefund) {
    for (PurseLogSlot& s : p.log) {
      if (s.entry.txn == entry.relatedTxn) s.refunded = true;
    }
  }
  p.log.push_back(PurseLogSlot{entry, false});
  if (p.log.size() > PurseState::kLogCapacity) p.log.erase(p.log.begin());
}

Bytes purseStatus(const PurseState& p) {
  base::ByteWriter w;
  w.raw(p.purseId);
  w.raw(ByteView(reinterpret_cast<const uint8_t*>(p.currency.data()), p.currency.size()));
  w.u64(p.balance);
  w.u64(p.maxBalance);
  w.u32(p.lastTxn);
  w.u32(p.creditSeq);
  w.u32(p.oldestLoggedTxn());
  return w.take();
}

Result<Bytes, size_t> readLogPage(const PurseState& p, uint32_t fromTxn, size_t limit) {
  Bytes out;
  for (const PurseLogSlot& s : p.log) {
    if (s.entry.txn < fromTxn) continue;
    const Bytes encoded = purse::encode(s.entry);
    if (out.size() + 1 + encoded.size() > limit) {
      if (out.empty()) return 1 + encoded.size();
      break;
    }
    out.push_back(static_cast<uint8_t>(encoded.size()));
    append(out, encoded);
  }
  return out;
}

purse::PurseRecord recordOf(const PurseState& p, const LogEntry& entry) {
  return purse::PurseRecord{p.purseId, entry};
}

}  // namespace hp::card::homecard
