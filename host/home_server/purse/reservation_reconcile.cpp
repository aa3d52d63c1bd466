#include "host/home_server/purse/reservation_reconcile.hpp"

namespace hp::home_server {

namespace {

bool same(const Bytes& bytes, const std::string& text) {
  return bytes.size() == text.size() && std::equal(bytes.begin(), bytes.end(), text.begin());
}

}  // namespace

ReservationVerdict judgeReservation(const OpenReservation& open, const CardLog& log) {
  // The card keeps one DEBIT per (shop, order): the one in its log is the payment.
  for (const auto& entry : log.entries) {
    if (entry.kind == protocol::purse::EntryKind::kDebit && same(entry.party, open.key.shop) &&
        same(entry.reference, open.key.orderRef)) {
      return {Verdict::kPaid, CardPayment{entry.txn, entry.amount}};
    }
  }
  // Absent. A DEBIT for this reservation would come after it (the card logs the purse clock's
  // time_ms): if the oldest entry kept is no later than the reservation, every later one is
  // still in the log, and so would the payment be.
  if (log.complete || (!log.entries.empty() && log.entries.front().timeMs <= open.reservedMs)) {
    return {Verdict::kNotPaid, {}};
  }
  return {Verdict::kUndecided, {}};
}

Result<ReconcileReport> reconcileReservations(PolicyStore& store, const CardLog& log) {
  auto open = store.openReservations();
  if (!open) return open.error();
  ReconcileReport report;
  for (const OpenReservation& reservation : *open) {
    const ReservationVerdict verdict = judgeReservation(reservation, log);
    if (verdict.verdict == Verdict::kUndecided) {
      ++report.undecided;
      continue;
    }
    auto resolved = store.resolve(reservation.key, verdict.verdict == Verdict::kPaid
                                                       ? std::optional(verdict.payment)
                                                       : std::nullopt);
    if (!resolved) return resolved.error();
    if (!*resolved) continue;  // a request took it up meanwhile: its own answer settles it
    ++(verdict.verdict == Verdict::kPaid ? report.completed : report.released);
  }
  return report;
}

Result<ReconcileReport> reconcileWithCard(PolicyStore& store, PurseService& purse) {
  auto open = store.openReservations();
  if (!open) return open.error();
  if (open->empty()) return ReconcileReport{};
  Result<ReconcileReport> report = ReconcileReport{};
  auto read = purse.inspectLog(
      [&](const PurseStatus& status, const std::vector<protocol::purse::LogEntry>& entries) {
        CardLog log;
        log.entries = entries;
        // Nothing dropped yet: the log starts at txn 1 (or the purse never moved).
        log.complete = status.lastTxn == 0 || status.oldestLoggedTxn == 1;
        report = reconcileReservations(store, log);
      });
  if (!read) return makeError("the home card's log: " + read.error().message);
  return report;
}

}  // namespace hp::home_server
